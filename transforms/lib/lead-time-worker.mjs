// Worker threads on Node 20 do not inherit the parent's tsx loader: register it, then load the worker.
import { register } from "tsx/esm/api";

register();
await import("./lead-time-worker.ts");

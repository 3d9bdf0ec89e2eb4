// A worker thread of int_lead_time_groups: computes the groups of the slices it is sent (see lead-time-groups.ts).
import { parentPort } from "node:worker_threads";
import { sliceGroups, type Grain, type GroupRow, type Slice } from "./lead-time-groups.ts";

export interface SliceTask {
  slice: Slice;
  services: number;
  grains: Grain[];
}
export type SliceReply = { groups: GroupRow[] } | { error: string };

parentPort?.on("message", (task: SliceTask) => {
  let reply: SliceReply;
  try {
    reply = { groups: sliceGroups(task.slice, task.services, task.grains) };
  } catch (error) {
    reply = { error: (error as Error).stack ?? String(error) };
  }
  parentPort!.postMessage(reply);
});

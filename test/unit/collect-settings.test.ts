import { describe, expect, it } from "vitest";
import { collectSettings, withCollectSettings } from "../../collectors/core/settings.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";

// DuckDB settings while collecting: from DORA_COLLECT_*, applied for the run and restored afterwards.

describe("collect settings", () => {
  it("reads the memory limit and temp directory from the environment, with defaults", () => {
    // No limit of its own by default: DuckDB's (80 % of the machine's RAM) follows the machine.
    expect(collectSettings({})).toEqual({ allocator_flush_threshold: "16MB" });
    expect(collectSettings({ DORA_COLLECT_MEMORY_LIMIT: " " })).toEqual({ allocator_flush_threshold: "16MB" });
    expect(collectSettings({ DORA_COLLECT_MEMORY_LIMIT: "2GB", DORA_COLLECT_TEMP_DIRECTORY: "/tmp/x" })).toEqual({
      memory_limit: "2GB",
      allocator_flush_threshold: "16MB",
      temp_directory: "/tmp/x",
    });
    expect(() => collectSettings({ DORA_COLLECT_MEMORY_LIMIT: "lots" })).toThrow(/DORA_COLLECT_MEMORY_LIMIT/);
  });

  it("applies them while collecting and puts the earlier values back", async () => {
    const w = await Warehouse.open(":memory:");
    try {
      const setting = async (name: string) => (await w.one<{ v: string }>(`SELECT current_setting('${name}')::VARCHAR AS v`))!.v;
      const before = { memory: await setting("memory_limit"), flush: await setting("allocator_flush_threshold") };
      const during = await withCollectSettings(w, async () => ({ memory: await setting("memory_limit"), flush: await setting("allocator_flush_threshold") }), {
        DORA_COLLECT_MEMORY_LIMIT: "300MB",
      });
      expect(during).toEqual({ memory: "286.1 MiB", flush: "15.2 MiB" });
      expect({ memory: await setting("memory_limit"), flush: await setting("allocator_flush_threshold") }).toEqual(before);
      // restored after a failed collection too
      await expect(withCollectSettings(w, () => Promise.reject(new Error("boom")), {})).rejects.toThrow("boom");
      expect(await setting("memory_limit")).toBe(before.memory);
    } finally {
      w.close();
    }
  });
});

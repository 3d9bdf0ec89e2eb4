import { open, stat } from "node:fs/promises";

/** Lines read from a file from a byte offset: only whole lines (a line still being written waits for the next run). */
export interface LineChunk {
  /** 1-based number of each line in the file, and the byte offset after it. */
  lines: { n: number; text: string; end: number }[];
  /** Byte offset after the last whole line read. */
  end: number;
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * Whole lines from `offset` on, in chunks of about a megabyte. `firstLine` is the number of the
 * line at `offset` when known (the stored cursor keeps it), else lines are counted from the start.
 */
export async function* readLines(file: string, offset: number, firstLine: number): AsyncGenerator<LineChunk> {
  const size = (await stat(file)).size;
  const handle = await open(file, "r");
  try {
    let pos = offset;
    let n = firstLine;
    let carry = Buffer.alloc(0);
    while (pos < size) {
      const buf = Buffer.alloc(Math.min(CHUNK_BYTES, size - pos));
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
      const last = data.lastIndexOf(0x0a);
      if (last < 0) {
        carry = data;
        continue;
      }
      carry = data.subarray(last + 1);
      let end = pos - data.length;
      const lines = data
        .subarray(0, last)
        .toString("utf8")
        .split("\n")
        .map((text) => {
          end += Buffer.byteLength(text) + 1;
          return { n: n++, text: text.replace(/\r$/, ""), end };
        });
      yield { lines, end: pos - carry.length };
    }
  } finally {
    await handle.close();
  }
}

/** One CSV record of one line (RFC 4180 quoting; a quoted field may not span lines). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error("unterminated quoted field (a field may not span lines)");
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      if (i < line.length && line[i] !== ",") throw new Error(`unexpected character after a quoted field at column ${i + 1}`);
    } else {
      const comma = line.indexOf(",", i);
      out.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const BOOLEAN = new Set(["rollback", "rework"]);

/**
 * A CSV record as an event object: empty cells are absent, `refs` is split on spaces or `;`, and
 * rollback/rework read true/false/1/0/yes/no. Values stay strings otherwise, so validation names the
 * column of a bad value.
 */
export function csvEvent(header: string[], cells: string[]): Record<string, unknown> {
  if (cells.length !== header.length) throw new Error(`expected ${header.length} columns (${header.join(",")}), got ${cells.length}`);
  const event: Record<string, unknown> = {};
  header.forEach((column, i) => {
    const value = cells[i]!.trim();
    if (value === "") return;
    if (column === "refs") event.refs = value.split(/[\s;]+/).filter(Boolean);
    else if (BOOLEAN.has(column)) {
      const v = value.toLowerCase();
      event[column] = ["true", "1", "yes"].includes(v) ? true : ["false", "0", "no"].includes(v) ? false : value;
    } else event[column] = value;
  });
  return event;
}

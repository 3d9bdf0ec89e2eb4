/**
 * How far down a printed page its content reaches, from a PPM page image (`pdftoppm`): the last row
 * with ink, as a share of the page above the footer (0–1). The footer (page number) sits in the
 * bottom margin and does not count as content.
 */
export function fillRatio(ppm: Buffer): number {
  // P6 header: "P6\n<w> <h>\n255\n"
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString("latin1"))!;
  const [w, h] = [Number(header[1]), Number(header[2])];
  const data = ppm.subarray(header[0].length);
  let last = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (data[i]! < 235 || data[i + 1]! < 235 || data[i + 2]! < 235) {
        last = y;
        break;
      }
    }
  }
  return last / (h * 0.93);
}

/** A field's background colour: the light through the slide where there is no cell. */

/** Mean RGB of the brightest `share` of a field's pixels (grey = channel sum), from every step-th pixel. */
export function backgroundRgb(img: { rgb: Uint8Array; width: number; height: number }, share = 0.2, step = 4): [number, number, number] {
  const hist = new Float64Array(766);
  const sums = new Float64Array(766 * 3);
  let n = 0;
  for (let i = 0; i + 2 < img.rgb.length; i += 3 * step) {
    const r = img.rgb[i];
    const g = img.rgb[i + 1];
    const b = img.rgb[i + 2];
    const grey = r + g + b;
    hist[grey]++;
    sums[grey * 3] += r;
    sums[grey * 3 + 1] += g;
    sums[grey * 3 + 2] += b;
    n++;
  }
  const want = Math.max(1, Math.floor(n * share));
  let taken = 0;
  const acc = [0, 0, 0];
  for (let grey = 765; grey >= 0 && taken < want; grey--) {
    if (!hist[grey]) continue;
    const take = Math.min(hist[grey], want - taken);
    const f = take / hist[grey];
    for (let c = 0; c < 3; c++) acc[c] += sums[grey * 3 + c] * f;
    taken += take;
  }
  return acc.map((v) => v / Math.max(1, taken)) as [number, number, number];
}

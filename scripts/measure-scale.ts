/**
 * Checks the red-cell scale measurement against labelled red cells, and measures image folders.
 *
 *   node bin/run-ts.mjs scripts/measure-scale.ts --txl <TXL-PBC folder> [--split val]
 *     per TXL-PBC source (told apart by image size): the measured red-cell diameter against the
 *     median labelled red-cell box of the same field (boxes not cut by the border, aspect <= 1.3)
 *   node bin/run-ts.mjs scripts/measure-scale.ts --images <folder> [--sample N] [--json out.json]
 *     the measured diameter's median and spread over a folder's images (recursively)
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import { fieldSource } from '../src/eval/datasets/field-source.ts';
import { measureScale } from '../src/core/analysis/scale.ts';

const { values } = parseArgs({
  options: {
    txl: { type: 'string' },
    split: { type: 'string', default: 'val' },
    images: { type: 'string' },
    sample: { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});

const quantile = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))] : NaN;
};
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listImages(p));
    else if (/\.(jpe?g|png|tiff?|webp)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

if (values.txl) {
  const imgDir = path.join(values.txl, 'TXL_PBC/images', values.split);
  const labDir = path.join(values.txl, 'TXL_PBC/labels', values.split);
  const bySource = new Map<string, { ratios: number[]; inscribed: number[]; unmeasured: number; fields: number }>();
  for (const file of fs.readdirSync(imgDir).sort()) {
    const img = await decodeImage(path.join(imgDir, file));
    const source = fieldSource(img.width, img.height);
    const rec = bySource.get(source) ?? { ratios: [], inscribed: [], unmeasured: 0, fields: 0 };
    bySource.set(source, rec);
    const labelled: number[] = [];
    const labFile = path.join(labDir, file.replace(/\.[^.]+$/, '.txt'));
    for (const line of fs.existsSync(labFile) ? fs.readFileSync(labFile, 'utf8').split('\n') : []) {
      const [c, cx, cy, bw, bh] = line.trim().split(/\s+/).map(Number);
      if (c !== 1) continue;
      const w = bw * img.width;
      const h = bh * img.height;
      const x0 = cx * img.width - w / 2;
      const y0 = cy * img.height - h / 2;
      if (x0 < 2 || y0 < 2 || x0 + w > img.width - 2 || y0 + h > img.height - 2) continue;
      if (Math.max(w, h) / Math.min(w, h) > 1.3) continue;
      labelled.push((w + h) / 2);
    }
    rec.fields++;
    const m = measureScale(img);
    if (m.rbcDiameterPx === null) {
      rec.unmeasured++;
      continue;
    }
    if (labelled.length >= 3) (m.method === 'round' ? rec.ratios : rec.inscribed).push(m.rbcDiameterPx / quantile(labelled, 0.5));
  }
  console.log(`TXL-PBC ${values.split}: measured red-cell diameter / median labelled red-cell box, per field`);
  console.log('| source | fields | unmeasured | method | compared | ratio p10 | median | p90 |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [source, r] of [...bySource].sort()) {
    for (const [method, v] of [
      ['round', r.ratios],
      ['inscribed', r.inscribed],
    ] as const) {
      console.log(`| ${source} | ${r.fields} | ${r.unmeasured} | ${method} | ${v.length} | ${fmt(quantile(v, 0.1))} | ${fmt(quantile(v, 0.5))} | ${fmt(quantile(v, 0.9))} |`);
    }
  }
}

if (values.images) {
  let files = listImages(values.images);
  const sample = Number(values.sample);
  if (sample > 0 && files.length > sample) files = files.filter((_, i) => i % Math.ceil(files.length / sample) === 0);
  const diameters: number[] = [];
  const perImage: Record<string, number | null> = {};
  for (const f of files) {
    const m = measureScale(await decodeImage(f));
    perImage[path.relative(values.images, f)] = m.rbcDiameterPx;
    if (m.rbcDiameterPx !== null) diameters.push(m.rbcDiameterPx);
  }
  console.log(
    `${values.images}: ${files.length} images, ${diameters.length} measured; red-cell diameter px p10 ${fmt(quantile(diameters, 0.1))} median ${fmt(quantile(diameters, 0.5))} p90 ${fmt(quantile(diameters, 0.9))}`,
  );
  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ medianPx: quantile(diameters, 0.5), perImage }, null, 1));
}

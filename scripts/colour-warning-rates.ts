/**
 * How often the colour-cast warning fires, per source: on clean test fields (false warnings) and on
 * the same fields with a cast (warm: the eval's colour-cast factor, then stronger warm, blue and
 * green casts).
 *   node bin/run-ts.mjs scripts/colour-warning-rates.ts --dataset datasets/build/txl-wbc/test.json [--dataset ...]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeImage } from '../src/analysis/image-input.ts';
import { assessQuality } from '../src/analysis/quality.ts';
import { loadLeukocyteSplit } from '../src/eval/run-eval.ts';

const { values: o } = parseArgs({ options: { dataset: { type: 'string', multiple: true } } });
if (!o.dataset?.length) throw new Error('give at least one --dataset (a COCO file of datasets/build)');

/** Per-channel gains of each cast; 'eval colour-cast' is src/eval/interference.ts's factor. */
const CASTS: Record<string, [number, number, number] | null> = {
  clean: null,
  'eval colour-cast (R x1.15, B x0.78)': [1.15, 1, 0.78],
  'warm (R x1.25, B x0.7)': [1.25, 1, 0.7],
  'blue (R x0.8, B x1.2)': [0.8, 1, 1.2],
  'green (G x1.2)': [1, 1.2, 1],
};
const SOURCES: Record<string, string> = { '640x480': 'BCCD', '360x363': 'PBC', '366x369': 'PBC', '416x416': 'BCD', '575x575': 'Raabin-WBC' };

const warned = new Map<string, { fields: number; warned: number }>();
for (const file of o.dataset) {
  const split = await loadLeukocyteSplit(file);
  for (const image of split.gt.images) {
    const img = await decodeImage(path.resolve(split.imageRoot, image.file_name));
    const source = SOURCES[`${img.width}x${img.height}`] ?? `${img.width}x${img.height}`;
    for (const [cast, gains] of Object.entries(CASTS)) {
      const rgb = gains
        ? await sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
            .linear(gains, [0, 0, 0])
            .raw()
            .toBuffer()
        : img.rgb;
      const codes = assessQuality({ rgb, width: img.width, height: img.height }).warnings.map((w) => w.code);
      const key = `${source}\t${cast}`;
      const rec = warned.get(key) ?? { fields: 0, warned: 0 };
      rec.fields++;
      if (codes.includes('colour_cast')) rec.warned++;
      warned.set(key, rec);
    }
  }
}
console.log('| source | cast | fields | colour_cast warned |');
console.log('|---|---|---|---|');
for (const [key, r] of [...warned].sort()) {
  const [source, cast] = key.split('\t');
  console.log(`| ${source} | ${cast} | ${r.fields} | ${((100 * r.warned) / r.fields).toFixed(1)} % |`);
}

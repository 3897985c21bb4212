/**
 * How often the colour-cast warning fires, per source: on clean test fields (false warnings) and on
 * the same fields with each cast of CASTS. What a cast costs the analysis is measured with the same
 * names: `leukodiff eval --dataset D --interference cast:R,G,B`.
 *   node bin/run-ts.mjs scripts/colour-warning-rates.ts --dataset datasets/build/txl-wbc/test.json [--dataset ...]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import { fieldSource } from '../src/eval/datasets/field-source.ts';
import { assessQuality } from '../src/core/analysis/quality.ts';
import { applyInterference, type Interference } from '../src/eval/interference.ts';
import { loadLeukocyteSplit } from '../src/eval/run-eval.ts';

const { values: o } = parseArgs({ options: { dataset: { type: 'string', multiple: true } } });
if (!o.dataset?.length) throw new Error('give at least one --dataset (a COCO file of datasets/build)');

/** The casts, as channel gains: warm (the eval's colour-cast, then stronger), blue, magenta and green. */
const CASTS: (Interference | 'clean')[] = ['clean', 'cast:1.15,1,0.78', 'cast:1.4,1,0.55', 'cast:2,1,0.35', 'cast:0.65,1,1.35', 'cast:1,0.45,1', 'cast:1,1.4,1', 'cast:1,1.6,1', 'cast:1,1.8,1'];
/** Per source: its fields, and how many of them warned under each cast (in CASTS' order). */
const bySource = new Map<string, { fields: number; warned: number[] }>();
for (const file of o.dataset) {
  const split = await loadLeukocyteSplit(file);
  for (const image of split.gt.images) {
    const img = await decodeImage(path.resolve(split.imageRoot, image.file_name));
    const source = fieldSource(img.width, img.height);
    const rec = bySource.get(source) ?? { fields: 0, warned: CASTS.map(() => 0) };
    bySource.set(source, rec);
    rec.fields++;
    for (const [i, cast] of CASTS.entries()) {
      const rgb = cast === 'clean' ? img.rgb : (await applyInterference(img, cast)).rgb;
      if (assessQuality({ rgb, width: img.width, height: img.height }).warnings.some((w) => w.code === 'colour_cast')) rec.warned[i]++;
    }
  }
}
console.log(`| source (fields) | ${CASTS.join(' | ')} |`);
console.log(`|---|${CASTS.map(() => '---').join('|')}|`);
for (const [source, r] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`| ${source} (${r.fields}) | ${r.warned.map((w) => `${Math.round((100 * w) / r.fields)} %`).join(' | ')} |`);
}

#!/usr/bin/env node
// Prints `leukodiff eval --json` output as the model card's Markdown tables.
// Usage: node scripts/format-eval.mjs <eval.json> <title>
import { readFileSync } from 'node:fs';

const [file, title] = process.argv.slice(2);
const r = JSON.parse(readFileSync(file, 'utf8'));
const f = (v) => (v < 0 ? '-' : v.toFixed(3));
const lines = [`${title}: ${r.images} images, ${r.typed ? '5-type' : 'class-agnostic leukocyte'} (COCO, IoU .50:.95)`, ''];
lines.push('| model | mAP | AP50 | AP75 | mAR |' + (r.typed ? ' NG | EG | BG | L | M |' : '') + ' size MB | GFLOPs | fields/s |');
lines.push('|---|---|---|---|---|' + (r.typed ? '---|---|---|---|---|' : '') + '---|---|---|');
for (const x of r.rows) {
  const types = r.typed
    ? Object.values(x.perType)
        .map((v) => ` ${f(v)} |`)
        .join('')
    : '';
  lines.push(`| ${x.name} | ${f(x.mAP)} | ${f(x.AP50)} | ${f(x.AP75)} | ${f(x.mAR)} |${types} ${x.sizeMB.toFixed(2)} | ${x.gflops.toFixed(2)} | ${x.fieldsPerSecond.toFixed(1)} |`);
}
if (r.interference) {
  const names = r.rows.map((x) => x.name);
  lines.push('', 'mAP drop from clean under each interference factor (lower is better):', '');
  lines.push(`| factor | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
  for (const [k, list] of Object.entries(r.interference)) lines.push(`| ${k} | ${list.map((x) => x.drop.toFixed(3)).join(' | ')} |`);
  const members = r.rows.filter((x) => !['paper', 'wbf', 'nms', 'ensemble'].includes(x.name)).map((x) => x.name);
  const mean = (name) => {
    const drops = Object.values(r.interference).map((list) => list.find((x) => x.name === name).drop);
    return drops.reduce((a, b) => a + b, 0) / drops.length;
  };
  const memberAvg = members.reduce((a, n) => a + mean(n), 0) / members.length;
  lines.push('', `mean drop: members' average ${memberAvg.toFixed(3)}, ensemble ${mean('ensemble').toFixed(3)}`);
}
console.log(lines.join('\n'));

#!/usr/bin/env node
// Helper of scripts/verify-arm64.
//   node scripts/verify-arm64.mjs natives                    (in the arm64 root, in the installed copy) loads every native
//       part of the install and prints which binary file each one mapped and that file's ELF machine; exit 1 on a failure.
//   node scripts/verify-arm64.mjs compare <x86.json> <arm64.json> [x86 seconds] [arm64 seconds]
//       compares two `leukodiff analyze --json` outputs of the same fields: same cells (class), boxes within 0.5 px, scores
//       within 1e-3; prints the table and exits 1 when they differ.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const BOX_TOLERANCE_PX = 0.5;
const SCORE_TOLERANCE = 1e-3;
const ELF_MACHINES = { 3: 'x86', 40: 'arm', 62: 'x86-64', 183: 'aarch64' };

function elfMachine(file) {
  const head = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32BE(0) !== 0x7f454c46) return 'not ELF';
  const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
  return ELF_MACHINES[machine] ?? `machine ${machine}`;
}

async function natives() {
  const require = createRequire(path.join(process.cwd(), 'package.json'));
  const checks = [
    ['better-sqlite3', () => `SQLite ${new (require('better-sqlite3'))(':memory:').prepare('select sqlite_version() as v').get().v}`],
    [
      'onnxruntime-node',
      () =>
        `onnxruntime ${require('onnxruntime-node/package.json').version}, ${require('onnxruntime-node')
          .listSupportedBackends()
          .map((b) => b.name)
          .join(', ')}`,
    ],
    ['sharp', () => `libvips ${require('sharp').versions.vips}`],
    [
      'native/ (leukodiff_trt)',
      () => {
        // A build output, there only after npm ci: a computed path, so static checkers do not look for it.
        const addon = require(path.join(process.cwd(), 'native', 'build', 'Release', 'leukodiff_trt.node'));
        return `available: ${addon.available}, ${addon.reason}`;
      },
    ],
  ];
  let failed = 0;
  for (const [name, check] of checks) {
    try {
      console.log(`  ${name.padEnd(24)} loads: ${check()}`);
    } catch (err) {
      failed++;
      console.log(`  ${name.padEnd(24)} FAILS: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  const mapped = new Set(
    readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.slice(line.indexOf('/')))
      .filter((file) => file.startsWith(process.cwd()) && /\.(node|so(\.[\d.]+)?)$/.test(file)),
  );
  for (const file of [...mapped].sort()) {
    const machine = elfMachine(file);
    if (machine !== 'aarch64') failed++;
    console.log(`  ${machine.padEnd(8)} ${path.relative(process.cwd(), file)}`);
  }
  if (mapped.size === 0) {
    failed++;
    console.log('  no native file of the install was mapped (is /proc mounted?)');
  }
  return failed ? 1 : 0;
}

const cellsOf = (field) => field.cells.map((c) => ({ cls: c.class, box: c.box, scores: [c.leukocyte, c.confidence, c.agreement, ...Object.values(c.classProbs ?? {})] }));
const boxDiff = (a, b) => Math.max(...a.box.map((v, i) => Math.abs(v - b.box[i])));
const scoreDiff = (a, b) => Math.max(0, ...a.scores.map((v, i) => Math.abs(v - (b.scores[i] ?? Number.NaN))));

/** Pairs each x86 cell with the unused arm64 cell of the same class nearest in box (order may differ after tiny score changes). */
function compareField(x86, arm) {
  const a = cellsOf(x86);
  const b = cellsOf(arm);
  const used = new Set();
  let box = 0;
  let score = 0;
  let unmatched = 0;
  for (const cell of a) {
    let best = -1;
    for (let j = 0; j < b.length; j++) {
      if (used.has(j) || b[j].cls !== cell.cls) continue;
      if (best < 0 || boxDiff(cell, b[j]) < boxDiff(cell, b[best])) best = j;
    }
    if (best < 0) {
      unmatched++;
      continue;
    }
    used.add(best);
    box = Math.max(box, boxDiff(cell, b[best]));
    score = Math.max(score, scoreDiff(cell, b[best]));
  }
  const same = a.length === b.length && unmatched === 0;
  return { cells: [a.length, b.length], box, score, ok: same && box <= BOX_TOLERANCE_PX && score <= SCORE_TOLERANCE, same };
}

function compare(x86File, armFile, x86Seconds, armSeconds) {
  const x86 = JSON.parse(readFileSync(x86File, 'utf8'));
  const arm = JSON.parse(readFileSync(armFile, 'utf8'));
  const armFields = new Map(arm.fields.map((f) => [f.file, f]));
  const rows = [];
  let failed = 0;
  for (const field of x86.fields) {
    const other = armFields.get(field.file);
    armFields.delete(field.file);
    if (!other) {
      failed++;
      rows.push(`| ${path.basename(field.file)} | ${field.cells.length} / - | - | - | ${field.timingsMs.total.toFixed(0)} | - | missing on arm64 |`);
      continue;
    }
    const r = compareField(field, other);
    if (!r.ok) failed++;
    const verdict = r.ok ? 'same' : r.same ? 'DIFFERENT (tolerance)' : 'DIFFERENT (cells)';
    rows.push(
      `| ${path.basename(field.file)} | ${r.cells.join(' / ')} | ${r.box.toFixed(2)} | ${r.score.toExponential(1)} | ${field.timingsMs.total.toFixed(0)} | ${other.timingsMs.total.toFixed(0)} | ${verdict} |`,
    );
  }
  for (const file of armFields.keys()) {
    failed++;
    rows.push(`| ${path.basename(file)} | - / ${armFields.get(file).cells.length} | - | - | - | - | missing on x86-64 |`);
  }
  console.log(`backend: x86-64 ${x86.backend.name}, arm64 ${arm.backend.name}`);
  console.log(`tolerances: same cells and classes, boxes within ${BOX_TOLERANCE_PX} px, scores (leukocyte, confidence, agreement, class probabilities) within ${SCORE_TOLERANCE}`);
  console.log('');
  console.log('| field | cells x86-64 / arm64 | max box diff px | max score diff | x86-64 ms/field | arm64 (qemu) ms/field | result |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  const total = (fields) => fields.reduce((s, f) => s + f.timingsMs.total, 0);
  const n = x86.fields.length;
  console.log('');
  console.log(
    `analysis per field (mean of timingsMs.total over ${n}): x86-64 ${(total(x86.fields) / n).toFixed(0)} ms, arm64 under qemu ${(total(arm.fields) / arm.fields.length).toFixed(0)} ms` +
      (x86Seconds && armSeconds ? `; whole command (start, model load, ${n} fields): x86-64 ${x86Seconds} s, arm64 under qemu ${armSeconds} s` : ''),
  );
  console.log(failed ? `comparison FAILED for ${failed} field(s)` : `comparison passed: ${n} fields the same`);
  return failed ? 1 : 0;
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'natives') process.exitCode = await natives();
else if (command === 'compare' && rest.length >= 2) process.exitCode = compare(rest[0], rest[1], rest[2], rest[3]);
else {
  console.error('usage: node scripts/verify-arm64.mjs natives | compare <x86.json> <arm64.json> [x86 seconds] [arm64 seconds]');
  process.exitCode = 2;
}

// Runs an exported detector with onnxruntime-node on the input that export.py saved and compares
// with the torch outputs saved beside it.
//   node scripts/train/verify_onnx.mjs models/<id>.onnx work/train/<id>/export [tolerance]
// Prints the max abs differences (last line is JSON); exits 1 above the tolerance (default 1e-3).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelPath, dir, tolArg] = process.argv.slice(2);
if (!modelPath || !dir) {
  console.error('usage: verify_onnx.mjs <model.onnx> <export dir> [tolerance]');
  process.exit(2);
}
const tol = tolArg ? Number(tolArg) : 1e-3;
const io = JSON.parse(readFileSync(join(dir, 'io.json'), 'utf8'));

function readF32(name) {
  const buf = readFileSync(join(dir, name));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });
const problems = [];
if (session.inputNames.length !== 1 || session.inputNames[0] !== 'images') problems.push(`inputs ${session.inputNames}`);
if (session.outputNames.join(',') !== 'boxes,scores') problems.push(`outputs ${session.outputNames}`);
const input = new ort.Tensor('float32', readF32('input.f32'), io.input);
const out = await session.run({ images: input });
const result = {};
for (const name of ['boxes', 'scores']) {
  const want = readF32(`${name}.f32`);
  const got = out[name];
  if (got.type !== 'float32') problems.push(`${name} type ${got.type}`);
  if (got.dims.join(',') !== io[name].join(',')) problems.push(`${name} dims ${got.dims} != ${io[name]}`);
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got.data[i] - want[i]));
  result[name] = max;
}
const top = Math.max(...readF32('scores.f32'));
console.log(`boxes [${out.boxes.dims}] max abs diff ${result.boxes.toExponential(2)}; scores [${out.scores.dims}] max abs diff ${result.scores.toExponential(2)}; top score ${top.toFixed(3)}`);
console.log(JSON.stringify({ ...result, topScore: top }));
if (problems.length) {
  console.error(problems.join('; '));
  process.exit(1);
}
if (!(result.boxes <= tol && result.scores <= tol)) {
  console.error(`difference above ${tol}`);
  process.exit(1);
}

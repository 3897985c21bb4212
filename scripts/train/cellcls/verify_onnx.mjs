// Runs an exported cell classifier with onnxruntime-node on the crops export.py saved and compares
// with the torch probabilities saved beside them.
//   node scripts/train/cellcls/verify_onnx.mjs models/cellcls72.onnx work/cellcls/shipped/export [tolerance]
// Prints the max abs difference (last line is JSON); exits 1 above the tolerance (default 1e-4).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelPath, dir, tolArg] = process.argv.slice(2);
if (!modelPath || !dir) {
  console.error('usage: verify_onnx.mjs <model.onnx> <export dir> [tolerance]');
  process.exit(2);
}
const tol = tolArg ? Number(tolArg) : 1e-4;
const io = JSON.parse(readFileSync(join(dir, 'io.json'), 'utf8'));
const readF32 = (name) => {
  const buf = readFileSync(join(dir, name));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });
const out = await session.run({
  crops: new ort.Tensor('float32', readF32('crops.f32'), io.crops),
  background: new ort.Tensor('float32', readF32('background.f32'), io.background),
});
const got = out.probs.data;
const want = readF32('probs.f32');
let max = 0;
for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
console.log(JSON.stringify({ probs: max }));
process.exit(max <= tol ? 0 : 1);

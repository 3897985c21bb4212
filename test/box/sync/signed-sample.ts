/** The sample the hub-review tests start from: signed at the box, one 100x100 field with a neutrophil and a lymphocyte. */
import { createHash, randomBytes } from 'node:crypto';
import type { WorkflowContext } from '../../../src/box/workflow/context.ts';
import { completeAnalysis, startAnalysis } from '../../../src/box/workflow/analysis-results.ts';
import { queueField } from '../../../src/box/workflow/fields.ts';
import { createSample } from '../../../src/box/workflow/samples.ts';
import { addUser, signReviewed } from '../../helpers/store.ts';

export async function signedTwoCellSample(ctx: WorkflowContext) {
  const sup = await addUser(ctx, 'Sup', 'supervisor', '2468');
  const { sample } = createSample(ctx, { reference: 'R-1' }, { userId: null });
  const bytes = randomBytes(1000);
  const sha = createHash('sha256').update(bytes).digest('hex');
  await ctx.store.images.put(sha, bytes);
  const field = queueField(ctx, sample.id, { sha256: sha, format: 'jpeg', width: 100, height: 100, bytes: 1000 }, null, { userId: null }, () => 1);
  startAnalysis(ctx, ctx.store.fields.get(field.id)!);
  completeAnalysis(ctx, field.id, {
    cells: [0, 3].map((type, k) => ({ box: [k * 20, 0, k * 20 + 15, 15] as [number, number, number, number], type, confidence: 0.9, votes: [1, 0, 0, 0, 0], agreement: 1, support: 2, review: false })),
    quality: { metrics: {}, warnings: [] },
    analysis: { fusion: 'paper', backend: 'test', models: [], totalMs: 1 },
  });
  const signed = await signReviewed(ctx, sample.id, { userId: sup, pin: '2468' });
  return { sample: signed, cells: ctx.store.cells.listBySample(sample.id), fieldId: field.id, sup };
}

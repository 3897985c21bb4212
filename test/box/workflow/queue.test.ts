import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.ts';
import type { Field } from '../../../src/box/store/types.ts';
import { startAnalysis, type DetectedCell } from '../../../src/box/workflow/analysis-results.ts';
import { DerivedImages } from '../../../src/box/workflow/derived-images.ts';
import type { AnalysedField, FieldAnalyzer } from '../../../src/box/workflow/field-analysis.ts';
import { deleteField, queueField } from '../../../src/box/workflow/fields.ts';
import { AnalysisQueue } from '../../../src/box/workflow/queue.ts';
import { createSample } from '../../../src/box/workflow/samples.ts';
import { tempContext, type TestContext } from '../../helpers/store.ts';

const sha = (n: number) => n.toString(16).padStart(64, '0');
const PIXELS = { rgb: Buffer.alloc(64 * 48 * 3, 200), width: 64, height: 48 };
const cell = (type: number): DetectedCell => ({ box: [4, 4, 20, 20], type, confidence: 0.8, votes: [1, 1, 0, 0, 0], agreement: 0.5, support: 2, review: true });
const result = (cells: DetectedCell[]): AnalysedField => ({
  outcome: { cells, quality: { metrics: { focus: 1 }, warnings: [] }, analysis: { fusion: 'paper', backend: 'test', models: [], totalMs: 1 } },
  pixels: PIXELS,
});
const silent = { info: () => {}, error: () => {} };

describe('AnalysisQueue', () => {
  let t: TestContext;
  let queue: AnalysisQueue | undefined;
  let sampleId: string;
  beforeEach(() => {
    t = tempContext();
    sampleId = createSample(t.ctx, { reference: 'Q-1' }, { userId: null }).sample.id;
  });
  afterEach(async () => {
    await queue?.stop();
    queue = undefined;
    t.close();
  });

  const enqueue = (n: number) => queueField(t.ctx, sampleId, { sha256: sha(n), format: 'jpeg', width: 64, height: 48, bytes: 1 }, null, { userId: null }, () => 1);
  const start = (analyze: FieldAnalyzer, opts = {}) => {
    queue = new AnalysisQueue(t.ctx, analyze, new DerivedImages(t.ctx.store.images), silent, { storeErrorPauseMs: 5, ...opts });
    return queue.start();
  };

  it('analyses queued fields in order, one at a time, each once', async () => {
    const ids = [enqueue(1), enqueue(2), enqueue(3)].map((f) => f.id);
    const seen: string[] = [];
    let running = 0;
    let most = 0;
    start(async (f) => {
      most = Math.max(most, ++running);
      seen.push(f.id);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return result([cell(0), cell(3)]);
    });
    await queue!.idle();
    expect(seen).toEqual(ids);
    expect(most).toBe(1);
    for (const id of ids) expect(t.ctx.store.fields.get(id)).toMatchObject({ status: 'analysed', attempts: 1 });
    expect(t.ctx.store.cells.listBySample(sampleId)).toHaveLength(6);
    expect(t.events.filter((e) => e.type === 'field.analysed')).toHaveLength(3);
    // Thumbnail and crops were made from the decoded pixels.
    const made: string[] = [];
    await t.ctx.store.images.derived('thumb', `${sha(1)}-w320`, async () => (made.push('thumb'), Buffer.from('x')));
    expect(made).toEqual([]);
  });

  it('wakes up for a field queued while it idles', async () => {
    start(async () => result([cell(1)]));
    await queue!.idle();
    const f = enqueue(9);
    queue!.notify();
    await queue!.idle();
    expect(t.ctx.store.fields.get(f.id)!.status).toBe('analysed');
  });

  it('after a crash mid-analysis, runs the field again and keeps its cells exactly once', async () => {
    const f = enqueue(1);
    const g = enqueue(2);
    // The previous daemon started f and died before committing.
    startAnalysis(t.ctx, t.ctx.store.fields.get(f.id)!);
    t = t.reopen();
    const order: number[] = [];
    const recovered = start(async (field: Field) => {
      order.push(field.seq);
      return result([cell(2), cell(4)]);
    });
    expect(recovered).toEqual({ resumed: [f.id], failed: [] });
    await queue!.idle();
    expect(order).toEqual([1, 2]);
    expect(t.ctx.store.fields.get(f.id)).toMatchObject({ status: 'analysed', attempts: 2 });
    expect(t.ctx.store.cells.listByField(f.id)).toHaveLength(2);
    expect(t.ctx.store.cells.listByField(g.id)).toHaveLength(2);
  });

  it('fails a field that was interrupted 3 times instead of crashing forever', async () => {
    const f = enqueue(1);
    // Three daemons in a row died while analysing it.
    for (let i = 0; i < 3; i++) t.ctx.store.fields.markAnalysing(f.id);
    const recovered = start(async () => result([]));
    expect(recovered.failed).toEqual([f.id]);
    expect(t.ctx.store.fields.get(f.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted 3 times/) });
    expect(t.ctx.store.samples.get(sampleId)!.status).toBe('review');
  });

  it('marks a field failed with the reason a nurse can act on when the image is refused', async () => {
    const f = enqueue(1);
    start(async () => {
      throw new InputError('truncated_image', 'the JPEG file is incomplete: retake the photo');
    });
    await queue!.idle();
    expect(t.ctx.store.fields.get(f.id)).toMatchObject({ status: 'failed', error: 'the JPEG file is incomplete: retake the photo' });
    expect(t.events.find((e) => e.type === 'field.failed')).toMatchObject({ fieldId: f.id });
  });

  it('discards the result of a field deleted during its analysis', async () => {
    const f = enqueue(1);
    let release!: () => void;
    start(async () => {
      await new Promise<void>((r) => (release = r));
      return result([cell(0)]);
    });
    while (t.ctx.store.fields.get(f.id)!.status !== 'analysing') await new Promise((r) => setTimeout(r, 2));
    deleteField(t.ctx, f.id, { userId: null });
    const revision = t.ctx.store.samples.get(sampleId)!.revision;
    release();
    await queue!.idle();
    expect(t.ctx.store.cells.listByField(f.id)).toHaveLength(0);
    expect(t.ctx.store.samples.get(sampleId)!.revision).toBe(revision);
  });

  it('retries when the store cannot record a result, and gives up after the attempts', async () => {
    const f = enqueue(1);
    let runs = 0;
    // Type index 9 does not exist: the insert violates the schema, as a full disk would fail it.
    start(async () => (runs++, result([cell(9)])), { maxAttempts: 2 });
    await queue!.idle();
    expect(runs).toBe(2);
    expect(t.ctx.store.fields.get(f.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/could not be stored/) });
    expect(t.ctx.store.cells.listByField(f.id)).toHaveLength(0);
  });

  it('survives a store that refuses to start a run, and carries on once it accepts again', async () => {
    const f = enqueue(1);
    const original = t.ctx.store.fields.markAnalysing.bind(t.ctx.store.fields);
    let refusals = 2;
    t.ctx.store.fields.markAnalysing = (id: string) => {
      if (refusals-- > 0) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      original(id);
    };
    start(async () => result([cell(2)]));
    await queue!.idle();
    expect(refusals).toBe(-1);
    expect(t.ctx.store.fields.get(f.id)).toMatchObject({ status: 'analysed', attempts: 1 });
  });

  it('estimates Retry-After from the queue beyond capacity and the run time', () => {
    const small = tempContext({ queueCapacity: 2 });
    try {
      queue = new AnalysisQueue(small.ctx, async () => result([]), new DerivedImages(small.ctx.store.images), silent);
      expect(queue.retryAfterSeconds()).toBe(2); // nothing measured yet: 2 s a run
      expect(queue.capacity).toBe(2);
    } finally {
      queue = undefined;
      small.close();
    }
  });
});

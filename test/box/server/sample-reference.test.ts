import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseReference } from '../../../src/box/workflow/sample-reference.ts';
import { testApp } from '../../helpers/app.ts';
import { createSample } from '../../helpers/workflow.ts';

/** One sample per sample number: a second "S-1001" is refused and names the first. */
describe('unique sample numbers', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/samples', payload });

  it('normalises white space and keeps case', () => {
    expect(normaliseReference('  S-1001 \t')).toBe('S-1001');
    expect(normaliseReference('A  \t B')).toBe('A B');
    expect(normaliseReference('e\u0301-1')).toBe('\u00e9-1');
  });

  it('refuses a second sample with the same number, whatever its case and spacing, naming the first', async () => {
    const first = await createSample(app, { reference: ' DUP-1001 ' });
    expect((await app.inject({ url: `/api/samples/${first}` })).json().reference).toBe('DUP-1001');
    for (const reference of ['DUP-1001', 'dup-1001', '  Dup-1001\t']) {
      const res = await post({ reference });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ error: 'duplicate_reference', message: expect.stringContaining(first), sampleId: first });
    }
    // Nothing was created.
    expect((await app.inject({ url: '/api/samples?reference=DUP' })).json().total).toBe(1);
  });

  it('lets a retried creation with the same id through, and refuses the number to another id', async () => {
    const id = '7d0c64b6-3f43-4c1d-9a51-3c7a9a2f0b11';
    expect((await post({ id, reference: 'RETRY-1' })).statusCode).toBe(201);
    expect((await post({ id, reference: 'RETRY-1' })).statusCode).toBe(200);
    expect((await post({ reference: 'retry-1' })).json()).toMatchObject({ error: 'duplicate_reference', sampleId: id });
  });

  it('refuses renaming a sample to a number another sample has', async () => {
    const a = await createSample(app, { reference: 'REN-1' });
    const b = await createSample(app, { reference: 'REN-2' });
    const res = await app.inject({ method: 'PATCH', url: `/api/samples/${b}`, payload: { reference: 'ren-1 ' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'duplicate_reference', sampleId: a });
    // Its own number, in another case, is not a duplicate.
    const same = await app.inject({ method: 'PATCH', url: `/api/samples/${b}`, payload: { reference: 'ren-2' } });
    expect(same.statusCode).toBe(200);
    expect(same.json().reference).toBe('ren-2');
  });
});

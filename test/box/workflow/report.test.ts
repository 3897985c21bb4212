import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeAnalysis, startAnalysis } from '../../../src/box/workflow/analysis-results.ts';
import { reclassifyCell } from '../../../src/box/workflow/cells.ts';
import { queueField } from '../../../src/box/workflow/fields.ts';
import { renderReportHtml } from '../../../src/box/workflow/report-html.ts';
import { buildReport, DISCLAIMER } from '../../../src/box/workflow/report.ts';
import { createSample } from '../../../src/box/workflow/samples.ts';
import { addUser, signReviewed, tempContext, type TestContext } from '../../helpers/store.ts';

describe('sample report', () => {
  let t: TestContext;
  let sampleId: string;
  let supervisor: string;
  let nurse: string;
  beforeEach(async () => {
    t = tempContext();
    nurse = await addUser(t.ctx, 'Amina <b>', 'nurse', '1111');
    supervisor = await addUser(t.ctx, 'Okafor', 'supervisor', '2222');
    sampleId = createSample(t.ctx, { reference: '<script>alert(1)</script>', patientId: 'P&1', wbcCount: 10 }, { userId: nurse }).sample.id;
    const f = queueField(t.ctx, sampleId, { sha256: 'a'.repeat(64), format: 'jpeg', width: 640, height: 480, bytes: 9 }, null, { userId: nurse }, () => 1);
    startAnalysis(t.ctx, f);
    completeAnalysis(t.ctx, f.id, {
      cells: [0, 0, 0, 0, 0, 0, 0, 0, 3, 4].map((type, i) => ({ box: [i * 50, 0, i * 50 + 40, 40], type, confidence: 0.9, votes: [2, 0, 0, 0, 0], agreement: 1, support: 2, review: false })),
      quality: { metrics: {}, warnings: [{ code: 'out_of_focus', message: 'out of focus: refocus & retake' }] },
      analysis: {
        fusion: 'paper',
        backend: 'onnxruntime',
        models: [{ id: 'det-a', sha256: 'b'.repeat(64) }],
        totalMs: 3,
        scale: { umPerPixel: 0.0812, source: 'measured', rbcCount: 14 },
      },
    });
  });
  afterEach(() => t.close());

  it('carries the differential, people, models and the disclaimer as JSON', async () => {
    await signReviewed(t.ctx, sampleId, { userId: supervisor, pin: '2222' });
    const r = buildReport(t.ctx, t.ctx.store.samples.get(sampleId)!);
    expect(r.sample).toMatchObject({ reference: '<script>alert(1)</script>', patientId: 'P&1', status: 'signed', wbcCount: 10 });
    expect(r.differential.rows[0]).toMatchObject({ type: 'neutrophil', count: 8, percent: 80, flag: 'high', absolute: 8 });
    expect(r.people.photographedBy).toEqual([{ id: nurse, name: 'Amina <b>' }]);
    expect(r.people.signedBy).toMatchObject({ id: supervisor, name: 'Okafor' });
    expect(r.analysis).toEqual({
      models: [{ id: 'det-a', sha256: 'b'.repeat(64) }],
      modelSets: [], // analysed before model sets were versioned
      fusion: ['paper'],
      backend: ['onnxruntime'],
      scales: { umPerPixel: 0.0812, measured: 1, calibrated: 0, given: 0, unmeasured: 0 },
    });
    expect(r.fields[0].scale).toEqual({ umPerPixel: 0.0812, source: 'measured', rbcCount: 14 });
    expect(r.disclaimer).toBe(DISCLAIMER);
    expect(r.fields[0].cells).toHaveLength(10);
  });

  it('prints as escaped HTML with flags, the preliminary banner while unsigned, and the disclaimer', () => {
    const html = renderReportHtml(buildReport(t.ctx, t.ctx.store.samples.get(sampleId)!));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('P&amp;1');
    expect(html).toContain('Amina &lt;b&gt;');
    expect(html).toContain('PRELIMINARY: not signed off');
    expect(html).toMatch(/Neutrophils<\/th><td>8<\/td>\s*<td>80\.0 <b class="flag">H<\/b><\/td>/);
    expect(html).toContain('Scale 0.0812 &micro;m per pixel: 1 field(s) measured from their red cells, 0 at the microscope calibration, 0 given, 0 unknown.');
    expect(html).toContain('out of focus: refocus &amp; retake');
    expect(html).toContain('must be checked and confirmed by a qualified professional');
    expect(html).toContain('det-a (bbbbbbbbbbbb)');
  });

  it('shows the signature, and an amendment with its reason', async () => {
    await signReviewed(t.ctx, sampleId, { userId: supervisor, pin: '2222' });
    let html = renderReportHtml(buildReport(t.ctx, t.ctx.store.samples.get(sampleId)!));
    expect(html).not.toContain('PRELIMINARY');
    expect(html).toMatch(/Signed off by<\/dt><dd>Okafor, 2026-03-01 08:00:00 UTC \(revision \d+\)/);
    const cell = t.ctx.store.cells.listBySample(sampleId)[0];
    reclassifyCell(t.ctx, cell.id, 'eosinophil', { userId: supervisor, reason: 'granules are orange <on review>' });
    html = renderReportHtml(buildReport(t.ctx, t.ctx.store.samples.get(sampleId)!));
    expect(html).toContain('AMENDED after sign-off');
    expect(html).toContain('granules are orange &lt;on review&gt;');
  });

  it('lists the classes a person gave beside the five, NRBC per 100 leukocytes, and asks for a haematologist', async () => {
    const [a, b, c, d, e] = t.ctx.store.cells.listBySample(sampleId);
    for (const [cell, type] of [
      [a, 'band'],
      [b, 'blast'],
      [c, 'nrbc'],
      [d, 'smudge'],
      [e, 'reactive_lymphocyte'],
    ] as const)
      reclassifyCell(t.ctx, cell!.id, type, { userId: nurse });
    await signReviewed(t.ctx, sampleId, { userId: supervisor, pin: '2222' });
    const r = buildReport(t.ctx, t.ctx.store.samples.get(sampleId)!);
    // 10 cells: NRBC and smudge are not leukocytes, so 8 are counted.
    expect(r.differential.counted).toBe(8);
    expect(r.differential.rows.find((x) => x.type === 'band')).toMatchObject({ count: 1, percent: 12.5 });
    expect(r.differential.rows.find((x) => x.type === 'neutrophil')).toMatchObject({ count: 3, percent: 37.5 });
    expect(r.differential.nonLeukocytes).toEqual([
      { type: 'nrbc', count: 1, per100: 12.5 },
      { type: 'smudge', count: 1, per100: 12.5 },
    ]);
    expect(r.differential.attention).toEqual([
      { type: 'blast', count: 1 },
      { type: 'nrbc', count: 1 },
    ]);
    expect(r.fields[0].cells.map((x) => x.type)).toEqual(expect.arrayContaining(['band', 'blast', 'nrbc', 'smudge', 'reactive_lymphocyte']));

    const html = renderReportHtml(r);
    expect(html).toContain("For a haematologist's attention: blasts 1, NRBC 12.5 per 100 leukocytes");
    expect(html).toMatch(/Band neutrophils<\/th><td>1<\/td>\s*<td>12\.5<\/td>/);
    expect(html).toMatch(/Reactive lymphocytes<\/th><td>1<\/td>/);
    expect(html).toMatch(/Immature granulocytes<\/th><td>0<\/td>/);
    expect(html).toContain('NRBC (nucleated red cells)</th><td>1</td><td colspan="5" class="left">12.5 per 100 leukocytes</td>');
    expect(html).toContain('Smudge cells</th><td>1</td>');
    expect(html).toContain('band neutrophils are on their own row');
    // Unsigned or without those classes, no banner.
    expect(renderReportHtml({ ...r, differential: { ...r.differential, attention: [] } })).not.toContain("haematologist's attention");
  });
});

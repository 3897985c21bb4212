/**
 * Issue 25 item 2 in Chromium: the print view of a reviewed 100-cell sample, printed to PDF on A4,
 * fits in a few pages, with every crop it shows loaded. The PDF goes to test-artifacts/hub-review/.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, useHubInChromium } from './browser.ts';
import { createReview, lastReviewSeq, reviewsOfSample } from '../../src/hub/repo/reviews.ts';
import { reviewerHeaders } from './helpers.ts';
import { syncBigSample } from './review-screen-fixtures.ts';

/** The pages of a PDF: its page objects (Chromium writes each as `/Type /Page`). */
const pdfPages = (pdf: Buffer) => [...pdf.toString('latin1').matchAll(/\/Type\s*\/Page\b(?!s)/g)].length;

describe.skipIf(!existsSync(CHROMIUM))('the print view in Chromium', () => {
  const e = useHubInChromium();

  it('prints a reviewed 100-cell sample on at most 3 A4 pages, its crops loaded', async () => {
    const big = await syncBigSample(e.hub);
    const plan = [
      [
        [0, 'neutrophil', 'eosinophil'],
        [4, 'neutrophil', 'band'],
        [61, 'lymphocyte', 'monocyte'],
      ],
      [
        [90, 'monocyte', 'blast'],
        [99, 'band', 'neutrophil'],
      ],
    ] as const;
    for (const [i, changes] of plan.entries()) {
      const out = await createReview(
        e.hub.db.db,
        null,
        {
          sampleId: big.sampleId,
          baseRevision: 3,
          reviewsSeen: lastReviewSeq(await reviewsOfSample(e.hub.db.db, big.sampleId)),
          reviewer: { id: randomUUID(), name: `Dr Reviewer ${i + 1}` },
          changes: changes.map(([n, from, to]) => ({ cellId: big.cellIds[n], from, to })),
          comment: 'Checked against the smear under the microscope; the changed cells are shown below.',
        },
        new Date().toISOString(),
      );
      expect(out.kind).toBe('created');
    }
    const context = await e.browser.newContext({ extraHTTPHeaders: await reviewerHeaders(e.hub) });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`));
    // A refused request is recorded with its address above (the browser's own favicon request is not the page's).
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(`console: ${m.text()}`));
    const res = await page.goto(`${e.base}/review/samples/${big.sampleId}/print`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    const crops = await page.evaluate(() => Array.from(document.images).map((i) => i.complete && i.naturalWidth > 0));
    expect(crops).toEqual([true, true, true, true, true]);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
    writeFileSync(path.join(ARTIFACTS, 'print-100-cells.pdf'), pdf);
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'print-100-cells.png'), fullPage: true });
    const pages = pdfPages(pdf);
    console.log(`print view of a 100-cell sample with 2 reviews (5 changed cells): ${pages} A4 page(s), ${pdf.length} bytes`);
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(3);
    // A4 portrait: 595 x 842 points, every page.
    const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
    expect(boxes).toEqual(Array<number[]>(pages).fill([595, 842]));
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});

/**
 * Issue 25 item 2 in Chromium, on a 1024x768 tablet with touch: a duplicate marked by keyboard (D on
 * the focused tile) and a missed cell added by a tap on a field photo, its type chosen; the summary
 * lists both before signing; the hub stores one review with the removal and the addition (its box a
 * leukocyte's size around the tap). Screenshots go to test-artifacts/hub-review/cell-edits-*.png.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, useHubInChromium } from './browser.ts';
import { reviewsOfSample } from '../../src/hub/repo/reviews.ts';
import { syncBigSample } from './review-screen-fixtures.ts';

describe.skipIf(!existsSync(CHROMIUM))('removing a duplicate and adding a missed cell in Chromium', () => {
  const e = useHubInChromium();

  it('marks cell 3 a duplicate with D, adds a lymphocyte by a tap on field 2’s photo, and signs both at 1024x768 with touch', async () => {
    const big = await syncBigSample(e.hub);
    const context = await e.browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`));
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource') && problems.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    await page.goto(`${e.base}/review/samples/${big.sampleId}`);
    await page.fill('input[name=login]', e.hub.reviewer.login);
    await page.fill('input[name=password]', e.hub.reviewer.password);
    await Promise.all([page.waitForURL(`${e.base}/review/samples/${big.sampleId}`), page.click('button[type=submit]')]);
    const shot = (name: string, fullPage = false) => page.screenshot({ path: path.join(ARTIFACTS, `cell-edits-${name}.png`), fullPage });

    // The duplicate by keyboard: the first cell has the focus; two steps right, then D.
    expect(await page.locator('#keys').isVisible()).toBe(true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('d');
    const duplicate = page.locator(`.tile[data-cell="${big.cellIds[2]}"]`);
    expect(await duplicate.locator('select').inputValue()).toBe('remove');
    expect(await duplicate.getAttribute('class')).toContain('changed');
    await shot('1-duplicate-marked');

    // The missed cell by touch: open field 2's photo and tap a spot outside every box (a tap on a box adds nothing).
    const field = big.payload.fields[1];
    await page.locator('details.photo summary').nth(1).tap();
    const photo = page.locator(`.field[data-field="${field.id}"] img`);
    await photo.scrollIntoViewIfNeeded();
    const shown = (await photo.boundingBox())!;
    // Between the grid's boxes (columns at 10 + 137.5 k, rows at 10 + 97.5 k, 70 x 66 each).
    const at = { x: 115, y: 92 };
    // A touch at that spot of the photo as the screen shows it.
    await page.touchscreen.tap(shown.x + (at.x / field.image.width) * shown.width, shown.y + (at.y / field.image.height) * shown.height);
    const entry = page.locator('#added-cells li[data-added]');
    expect(await entry.count()).toBe(1);
    expect(await page.locator(`.field[data-field="${field.id}"] .box.added.pending`).count()).toBe(1);
    await entry.locator('select').selectOption('lymphocyte');
    await shot('2-missed-cell-added');

    // Sign: the summary lists both; the password, then Sign again.
    await page.locator('#sign').tap();
    expect(await page.locator('#sign').textContent()).toBe('Confirm: sign 2 changes');
    const summary = await page.locator('#changes li').allTextContents();
    expect(summary).toEqual(['cell 3: Neutrophils → Duplicate: remove from the count', 'New cell on field 2: Lymphocytes']);
    await shot('3-summary');
    await page.locator('input[name=password]').fill(e.hub.reviewer.password);
    await Promise.all([page.waitForURL(/notice=signed/), page.locator('#sign').tap()]);

    const reviews = await reviewsOfSample(e.hub.db.db, big.sampleId);
    expect(reviews).toHaveLength(1);
    const [removal, addition] = reviews[0].changes;
    expect(removal).toEqual({ op: 'delete', cellId: big.cellIds[2], from: 'neutrophil', to: null });
    expect(addition).toMatchObject({ op: 'add', fieldId: field.id, from: null, to: 'lymphocyte' });
    // A leukocyte's size here: the median side of the field's cells (70 px), clamped inside the 640x480 photo, around the tap.
    const box = addition.op === 'add' ? addition.box : [0, 0, 0, 0];
    expect(box[2] - box[0]).toBe(70);
    expect(box[3] - box[1]).toBe(70);
    expect(box[2]).toBeLessThanOrEqual(field.image.width);
    expect(box[3]).toBeLessThanOrEqual(field.image.height);
    expect(Math.abs((box[0] + box[2]) / 2 - at.x)).toBeLessThanOrEqual(2);
    expect(Math.abs((box[1] + box[3]) / 2 - at.y)).toBeLessThanOrEqual(2);

    // The signed page: the duplicate's tile gone, the added cell a tile with its crop, and its box on the photo.
    const added = page.locator(`.tile[data-cell="${addition.cellId}"]`);
    await added.scrollIntoViewIfNeeded();
    await page.waitForFunction((id) => {
      const img = document.querySelector(`.tile[data-cell="${id}"] img`) as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    }, addition.cellId);
    expect(await page.locator(`.tile[data-cell="${big.cellIds[2]}"]`).count()).toBe(0);
    await shot('4-signed-added-tile');
    await page.locator('details.photo summary').nth(1).tap();
    const addedBox = page.locator(`.field[data-field="${field.id}"] .box.added`);
    expect(await addedBox.count()).toBe(1);
    await addedBox.scrollIntoViewIfNeeded();
    await shot('5-signed-photo');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});

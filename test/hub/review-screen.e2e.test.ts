/**
 * Issue 25 item 2 in Chromium: a haematologist reviews a 100-cell sample on the hub's gallery, with
 * the keyboard alone at 1366x768 (arrow keys and class keys, Ctrl+Enter, the password, Enter to
 * sign) and by touch at 1024x768, signed in on the hub's sign-in page. Five cells changed; the summary before signing lists exactly those five; the hub
 * stores one review with exactly those changes. Key presses and time are logged. Screenshots go to
 * test-artifacts/hub-review/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, useHubInChromium } from './browser.ts';
import { reviewsOfSample } from '../../src/hub/repo/reviews.ts';
import { syncBigSample } from './review-screen-fixtures.ts';

describe.skipIf(!existsSync(CHROMIUM))('the reviewer gallery in Chromium', () => {
  const e = useHubInChromium();

  async function open(size: { width: number; height: number }, hasTouch: boolean, javaScriptEnabled = true): Promise<{ page: Page; problems: string[] }> {
    const context = await e.browser.newContext({ viewport: size, hasTouch, javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(`${e.base}/review`);
    expect(page.url()).toBe(`${e.base}/review/login?next=%2Freview`);
    await page.fill('input[name=login]', e.hub.reviewer.login);
    await page.fill('input[name=password]', e.hub.reviewer.password);
    await Promise.all([page.waitForURL(`${e.base}/review`), page.click('button[type=submit]')]);
    const problems: string[] = [];
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`));
    // A refused request is recorded with its address below (the browser's own favicon request is not the page's).
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource') && problems.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    return { page, problems };
  }

  /** The crops in view are shown (those further down load as they come into view). */
  const loaded = (page: Page) =>
    page.waitForFunction(() =>
      Array.from(document.querySelectorAll('.tile img'))
        .filter((i) => i.getBoundingClientRect().top < window.innerHeight)
        .every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
    );
  const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
  /** Time at machine speed: from now, the screenshots it takes left out. */
  const machineTimer = (page: Page) => {
    const started = performance.now();
    let shots = 0;
    return {
      shot: async (name: string) => {
        const t = performance.now();
        await shot(page, name);
        shots += performance.now() - t;
      },
      ms: () => performance.now() - started - shots,
    };
  };
  const focused = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement).dataset.cell ?? null);
  const values = (page: Page) =>
    page.evaluate(() => Object.fromEntries(Array.from(document.querySelectorAll('.tile')).map((t) => [(t as HTMLElement).dataset.cell!, t.querySelector('select')!.value])));
  const summary = (page: Page) => page.locator('#changes li').allTextContents();

  it('takes five changes from the keyboard alone at 1366x768, and signs exactly those', async () => {
    const big = await syncBigSample(e.hub);
    const { page, problems } = await open({ width: 1366, height: 768 }, false);
    await page.goto(`${e.base}/review/samples/${big.sampleId}`);
    await loaded(page);
    await shot(page, 'keyboard-1-top');
    await shot(page, 'keyboard-1-full-page', true);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    // A few screens (7 rows of 180 px crops a screen): the old page was about 45,900 px for 109 cells.
    expect(height).toBeLessThan(8 * 768);
    const before = await values(page);

    // Untimed checks of what must not happen: arrows on a type choice, Enter on a tile.
    await page.evaluate(() => (document.querySelector('.tile select') as HTMLSelectElement).focus());
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await values(page)).toEqual(before);
    expect(await focused(page)).not.toBeNull();
    await page.keyboard.press('Enter');
    expect(page.url()).toBe(`${e.base}/review/samples/${big.sampleId}`);
    expect(await values(page)).toEqual(before);
    // The timed review starts from the page as it opens.
    await page.reload();
    await loaded(page);

    let presses = 0;
    const press = async (key: string) => {
      presses++;
      await page.keyboard.press(key);
    };
    const expected: { id: string; to: string }[] = [];
    const change = async (key: string, to: string) => {
      await press(key);
      expected.push({ id: (await focused(page))!, to });
    };
    const timer = machineTimer(page);
    // The page opens with the first cell focused.
    expect(await focused(page)).toBe(big.cellIds[0]);
    await change('2', 'eosinophil');
    await press('ArrowRight');
    await press('ArrowRight');
    await change('4', 'lymphocyte');
    await press('ArrowDown');
    await change('5', 'monocyte');
    await press('ArrowDown');
    await change('3', 'basophil');
    await press('ArrowRight');
    await change('6', 'band');
    await timer.shot('keyboard-2-five-changed');
    await press('Control+Enter');
    const ids = expected.map((e) => e.id);
    expect(new Set(ids).size).toBe(5);
    expect(await page.locator('#sign').textContent()).toBe('Confirm: sign 5 changes');
    const numbers = await page.evaluate((cells) => cells.map((id) => (document.querySelector(`.tile[data-cell="${id}"]`) as HTMLElement).dataset.n), ids);
    const titles: Record<string, string> = { eosinophil: 'Eosinophils', lymphocyte: 'Lymphocytes', monocyte: 'Monocytes', basophil: 'Basophils', band: 'Band neutrophils' };
    expect((await summary(page)).sort()).toEqual(expected.map((e, i) => `cell ${numbers[i]}: Neutrophils → ${titles[e.to]}`).sort());
    // The password field takes the focus; typing it is one more step, then Enter signs.
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('password');
    await timer.shot('keyboard-3-summary');
    await page.keyboard.type(e.hub.reviewer.password);
    await Promise.all([page.waitForURL(/notice=signed/), press('Enter')]);
    // Machine speed: the browser's and the test's own work, screenshots left out.
    const ms = timer.ms();
    console.log(`keyboard review at 1366x768: ${presses} key presses and the password, ${ms.toFixed(0)} ms for 5 changes on a 100-cell sample, signed`);
    await shot(page, 'keyboard-4-signed');

    const reviews = await reviewsOfSample(e.hub.db.db, big.sampleId);
    expect(reviews).toHaveLength(1);
    expect(reviews[0].changes.map((c) => ({ id: c.cellId, to: c.to })).sort((a, b) => a.id.localeCompare(b.id))).toEqual([...expected].sort((a, b) => a.id.localeCompare(b.id)));
    expect(reviews[0].changes.every((c) => c.from === 'neutrophil')).toBe(true);
    expect(presses).toBeLessThanOrEqual(14);
    expect(problems).toEqual([]);
  }, 60_000);

  it('takes five changes by touch at 1024x768: a tap on the tile, the type chosen, Sign twice', async () => {
    const big = await syncBigSample(e.hub);
    const { page, problems } = await open({ width: 1024, height: 768 }, true);
    await page.goto(`${e.base}/review/samples/${big.sampleId}`);
    await loaded(page);
    await shot(page, 'touch-1-top');
    const plan: [number, string][] = [
      [2, 'lymphocyte'],
      [9, 'eosinophil'],
      [33, 'monocyte'],
      [61, 'neutrophil'],
      [90, 'blast'],
    ];
    let taps = 0;
    const timer = machineTimer(page);
    for (const [n, to] of plan) {
      const tile = page.locator(`.tile[data-n="${n}"]`);
      await tile.locator('img').tap();
      taps++;
      await tile.locator('select').selectOption(to);
      taps++;
      expect(await tile.getAttribute('class')).toContain('changed');
    }
    await timer.shot('touch-2-five-changed');
    await page.locator('#sign').tap();
    taps++;
    expect(await page.locator('#sign').textContent()).toBe('Confirm: sign 5 changes');
    expect(await summary(page)).toHaveLength(5);
    await timer.shot('touch-3-summary');
    await page.locator('input[name=password]').fill(e.hub.reviewer.password);
    taps++;
    await Promise.all([page.waitForURL(/notice=signed/), page.locator('#sign').tap()]);
    taps++;
    console.log(`touch review at 1024x768: ${taps} taps and choices, ${timer.ms().toFixed(0)} ms for 5 changes, signed`);
    await shot(page, 'touch-4-signed');
    const reviews = await reviewsOfSample(e.hub.db.db, big.sampleId);
    expect(reviews).toHaveLength(1);
    const byN = new Map(big.cellIds.map((id, i) => [id, i + 1]));
    expect(reviews[0].changes.map((c) => [byN.get(c.cellId), c.to]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(plan);
    expect(problems).toEqual([]);
  }, 60_000);

  it('works without JavaScript: a changed type is outlined, and Sign posts it', async () => {
    const big = await syncBigSample(e.hub);
    const { page, problems } = await open({ width: 1366, height: 768 }, false, false);
    await page.goto(`${e.base}/review/samples/${big.sampleId}`);
    const tile = page.locator('.tile[data-n="5"]');
    const border = () => tile.evaluate((t) => getComputedStyle(t).borderTopColor);
    const plain = await border();
    await tile.locator('select').selectOption('monocyte');
    expect(await border()).not.toBe(plain);
    expect(await page.locator('#keys').isVisible()).toBe(false);
    await tile.scrollIntoViewIfNeeded();
    await shot(page, 'no-js-changed');
    await page.locator('input[name=password]').fill(e.hub.reviewer.password);
    await Promise.all([page.waitForURL(/notice=signed/), page.locator('#sign').click()]);
    const reviews = await reviewsOfSample(e.hub.db.db, big.sampleId);
    expect(reviews.map((r) => r.changes)).toEqual([[{ cellId: big.cellIds[4], from: 'neutrophil', to: 'monocyte' }]]);
    expect(problems).toEqual([]);
  }, 60_000);
});

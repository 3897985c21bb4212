/**
 * Issue 25 item 2, "English and French", in Chromium: at 1366x768 a reviewer whose browser asks for
 * English switches to French on the sign-in page (the header link), signs in, and reviews two cells
 * of a 100-cell sample with the keyboard alone, the summary and the Sign button's confirmation in
 * French; at 1024x768 with touch a browser that asks for French gets French from the start, and the
 * print view too. No page is wider than the window. Screenshots go to test-artifacts/hub-review/french-*.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, useHubInChromium } from './browser.ts';
import { reviewsOfSample } from '../../src/hub/repo/reviews.ts';
import { syncBigSample } from './review-screen-fixtures.ts';

describe.skipIf(!existsSync(CHROMIUM))('the reviewer pages in French, in Chromium', () => {
  const e = useHubInChromium();

  async function open(size: { width: number; height: number }, hasTouch: boolean, locale: string): Promise<{ page: Page; problems: string[] }> {
    const context = await e.browser.newContext({ viewport: size, hasTouch, locale });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`));
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource') && problems.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    return { page, problems };
  }

  const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(ARTIFACTS, `french-${name}.png`), fullPage });
  /** No text wider than the window: the page never scrolls sideways. */
  const fits = async (page: Page) => expect(await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])).toSatisfy(([w, inner]: number[]) => w <= inner);
  const loaded = (page: Page) =>
    page.waitForFunction(() =>
      Array.from(document.querySelectorAll('.tile img'))
        .filter((i) => i.getBoundingClientRect().top < window.innerHeight)
        .every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
    );
  const focused = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement).dataset.cell ?? null);
  const summary = (page: Page) => page.locator('#changes li').allTextContents();

  it('switches to French at sign-in and reviews two cells by keyboard at 1366x768, in French throughout', async () => {
    const big = await syncBigSample(e.hub);
    const { page, problems } = await open({ width: 1366, height: 768 }, false, 'en-GB');
    await page.goto(`${e.base}/review/samples/${big.sampleId}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toBe('Sign in to review');
    await Promise.all([page.waitForURL(/\/review\/login\?next=/), page.click('header a[data-lang="fr"]')]);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('h1').textContent()).toBe('Se connecter pour relire');
    await fits(page);
    await shot(page, 'keyboard-1-sign-in');
    await page.fill('input[name=login]', e.hub.reviewer.login);
    await page.fill('input[name=password]', e.hub.reviewer.password);
    await Promise.all([page.waitForURL(`${e.base}/review/samples/${big.sampleId}`), page.press('input[name=password]', 'Enter')]);
    await loaded(page);
    expect(await page.locator('h1').textContent()).toBe('Échantillon S-100');
    expect(await page.locator('#sign').textContent()).toBe('Signer la relecture');
    expect(await page.locator('#keys').textContent()).toContain('cellule suivante');
    await fits(page);
    await shot(page, 'keyboard-2-sample');

    expect(await focused(page)).toBe(big.cellIds[0]);
    await page.keyboard.press('2');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('4');
    expect(await summary(page)).toEqual(['cellule 1 : Neutrophiles → Éosinophiles', 'cellule 2 : Neutrophiles → Lymphocytes']);
    await page.keyboard.press('Control+Enter');
    expect(await page.locator('#sign').textContent()).toBe('Confirmer : signer 2 modifications');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('password');
    await fits(page);
    await shot(page, 'keyboard-3-summary');
    await page.keyboard.type(e.hub.reviewer.password);
    await Promise.all([page.waitForURL(/notice=signed/), page.keyboard.press('Enter')]);
    expect(await page.locator('p.note').first().textContent()).toBe('Relecture signée : elle repart vers le boîtier à sa prochaine synchronisation.');
    expect(await page.locator('tr[data-review-seq] td[data-box]').textContent()).toBe('en attente du boîtier');
    await fits(page);
    await shot(page, 'keyboard-4-signed');

    const reviews = await reviewsOfSample(e.hub.db.db, big.sampleId);
    expect(reviews.map((r) => r.changes.map((c) => [c.cellId, c.to]))).toEqual([
      [
        [big.cellIds[0], 'eosinophil'],
        [big.cellIds[1], 'lymphocyte'],
      ],
    ]);
    // The worklist, in French too, and the switch back to English.
    await page.goto(`${e.base}/review?status=all`);
    expect(await page.locator('h1').textContent()).toBe('Échantillons reçus');
    await fits(page);
    await shot(page, 'keyboard-5-worklist');
    await Promise.all([page.waitForURL(`${e.base}/review?status=all`), page.click('header a[data-lang="en"]')]);
    expect(await page.locator('h1').textContent()).toBe('Synced samples');
    expect(problems).toEqual([]);
  }, 60_000);

  it('is French from the browser’s language at 1024x768 by touch: one change signed, and the print view', async () => {
    const big = await syncBigSample(e.hub);
    const { page, problems } = await open({ width: 1024, height: 768 }, true, 'fr-FR');
    await page.goto(`${e.base}/review`);
    expect(await page.locator('h1').textContent()).toBe('Se connecter pour relire');
    await page.fill('input[name=login]', e.hub.reviewer.login);
    await page.fill('input[name=password]', e.hub.reviewer.password);
    await Promise.all([page.waitForURL(`${e.base}/review`), page.locator('button[type=submit]').tap()]);
    await page.goto(`${e.base}/review/samples/${big.sampleId}`);
    await loaded(page);
    await fits(page);
    await shot(page, 'touch-1-sample');
    const tile = page.locator('.tile[data-n="3"]');
    await tile.locator('img').tap();
    await tile.locator('select').selectOption('monocyte');
    await page.locator('#sign').tap();
    expect(await page.locator('#sign').textContent()).toBe('Confirmer : signer 1 modification');
    expect(await summary(page)).toEqual(['cellule 3 : Neutrophiles → Monocytes']);
    await fits(page);
    await shot(page, 'touch-2-summary');
    await page.locator('input[name=password]').fill(e.hub.reviewer.password);
    await Promise.all([page.waitForURL(/notice=signed/), page.locator('#sign').tap()]);
    await fits(page);

    await page.goto(`${e.base}/review/samples/${big.sampleId}/print`);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('h1').textContent()).toBe('Formule leucocytaire · échantillon S-100');
    expect(await page.locator('section.review td:last-child').textContent()).toBe('Neutrophiles → Monocytes');
    expect(await page.locator('footer').textContent()).toMatch(/^Imprimé le \d{4}-\d\d-\d\d \d\d:\d\d UTC par Dr Ada depuis le hub leukodiff\. Heures en UTC\.$/);
    await fits(page);
    await shot(page, 'touch-3-print', true);
    expect(problems).toEqual([]);
  }, 60_000);
});

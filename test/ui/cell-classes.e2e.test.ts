/**
 * The cell sheet's second page (band, immature granulocyte, blast, reactive lymphocyte, NRBC,
 * smudge, unidentified) on a touchscreen at 1024x600, in English and French: it fits the screen
 * with every button at least 48 px, a double tap on "Other classes" changes nothing, a tap on a
 * class sets it; the review, the differential and the report then show the class in its own place.
 * Screenshots under test-artifacts/ui/classes-*.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIRequestContext, Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGES, FIXTURE_MODELS } from '../helpers/paths.ts';
import { Daemon } from './helpers/daemon.ts';
import { KioskPage, launchKiosk } from './helpers/kiosk.ts';
import { buildUiIfStale } from './helpers/ui-build.ts';
import { y4mFromImage } from './helpers/y4m.ts';

const SMALL = { width: 1024, height: 600 };
const PHOTO = path.join(DEMO_IMAGES, 'bccd-BloodImage_00001.jpg');
const PIN = '482193756104';

interface ApiCell {
  id: string;
  type: string;
  source: string;
}

/** The box set up through the API (first supervisor); returns the supervisor's id. */
async function setUpBox(base: string): Promise<string> {
  const res = await fetch(`${base}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ language: 'en', supervisor: { name: 'Dr Okafor', pin: PIN } }),
  });
  if (res.status !== 201) throw new Error(`setup: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { supervisor: { id: string } }).supervisor.id;
}

/** A sample with one analysed field, made through the API with the page's session. */
async function analysedSample(api: APIRequestContext, base: string, reference: string): Promise<{ id: string; cells: ApiCell[] }> {
  const created = await api.post(`${base}/api/samples`, { data: { reference } });
  if (!created.ok()) throw new Error(`create: ${created.status()} ${await created.text()}`);
  const id = ((await created.json()) as { id: string }).id;
  const up = await api.post(`${base}/api/samples/${id}/fields`, { multipart: { image: { name: 'field.jpg', mimeType: 'image/jpeg', buffer: readFileSync(PHOTO) } } });
  if (up.status() !== 202) throw new Error(`upload: ${up.status()} ${await up.text()}`);
  const fieldId = ((await up.json()) as { id: string }).id;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = (await (await api.get(`${base}/api/samples/${id}`)).json()) as { pendingFields: number; fields: { cells: ApiCell[] }[] };
    if (s.pendingFields === 0) {
      // Keep the field whatever its quality warnings, so its cells count.
      await api.post(`${base}/api/fields/${fieldId}/keep`, { data: {} });
      return { id, cells: s.fields.flatMap((f) => f.cells) };
    }
    if (Date.now() > deadline) throw new Error('the field was not analysed within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function cellType(base: string, cellId: string): Promise<ApiCell> {
  return (await (await fetch(`${base}/api/cells/${cellId}`)).json()) as ApiCell;
}

/** Waits until every type button of the sheet can be tapped (the sheet has settled). */
async function settled(page: Page): Promise<void> {
  const buttons = page.locator('ld-cell-sheet .types button');
  await buttons.first().waitFor();
  await expect.poll(async () => await buttons.evaluateAll((bs) => bs.filter((b) => (b as HTMLButtonElement).disabled).length), { timeout: 5000 }).toBe(0);
}

/** The sheet's box and its type buttons' sizes, and whether it must scroll to show them. */
async function sheetGeometry(page: Page) {
  return page.locator('ld-cell-sheet').evaluate((el) => {
    const r = el.getBoundingClientRect();
    const buttons = [...el.shadowRoot!.querySelectorAll<HTMLElement>('button')].map((b) => {
      const br = b.getBoundingClientRect();
      return { name: b.dataset.type ?? b.dataset.action ?? '', width: br.width, height: br.height, bottom: br.bottom };
    });
    return { top: r.top, bottom: r.bottom, scrolls: el.scrollHeight > el.clientHeight + 1, buttons };
  });
}

describe('the cell classes beyond the five, on a touchscreen', () => {
  let daemon: Daemon;
  let browser: Browser;
  let supervisor: string;
  const clip = path.join(os.tmpdir(), `leukodiff-classes-${process.pid}.y4m`);

  beforeAll(async () => {
    buildUiIfStale();
    writeFileSync(clip, await y4mFromImage(PHOTO));
    daemon = await Daemon.start(FIXTURE_MODELS);
    supervisor = await setUpBox(daemon.url);
    browser = await launchKiosk(clip);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.dispose();
  });

  for (const lang of ['en', 'fr'] as const) {
    it(`offers them on a second page that fits 1024x600 and cannot misfire (${lang})`, async () => {
      const kp = await KioskPage.open(browser, daemon.url, SMALL, `classes-${lang}`);
      const { page } = kp;
      const api = kp.context.request;
      const signIn = await api.post(`${daemon.url}/api/session`, { data: { userId: supervisor, pin: PIN } });
      expect(signIn.status()).toBe(201);
      const { id, cells } = await analysedSample(api, daemon.url, `CLASSES-${lang}`);
      expect(cells.length).toBeGreaterThan(0);
      await page.addInitScript((l) => localStorage.setItem('leukodiff.lang', l), lang);
      await page.goto(`${daemon.url}/#/samples/${id}/review`);
      const tile = page.locator('[data-review-tile]').first();
      await tile.waitFor({ timeout: 20_000 });
      const cellId = (await tile.getAttribute('data-review-tile'))!;
      const before = await cellType(daemon.url, cellId);
      await tile.tap();
      await page.locator('ld-cell-sheet').waitFor();
      await settled(page);
      await kp.shot('sheet-five');

      // A double tap on "Other classes": the second tap lands on the new page while it settles, and does nothing.
      const other = page.locator('ld-cell-sheet [data-action=other-classes]');
      const box = (await other.boundingBox())!;
      await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      await page.locator('ld-cell-sheet [data-type=band]').waitFor();
      await settled(page);
      expect(await cellType(daemon.url, cellId)).toMatchObject({ type: before.type, source: before.source });
      await kp.shot('sheet-other');

      const g = await sheetGeometry(page);
      expect(g.scrolls, 'the sheet scrolls').toBe(false);
      expect(g.bottom).toBeLessThanOrEqual(SMALL.height);
      for (const b of g.buttons) {
        expect(b.height, b.name).toBeGreaterThanOrEqual(48);
        expect(b.width, b.name).toBeGreaterThanOrEqual(48);
        expect(b.bottom, b.name).toBeLessThanOrEqual(SMALL.height);
      }
      expect(g.buttons.map((b) => b.name)).toEqual(expect.arrayContaining(['band', 'immature_granulocyte', 'blast', 'reactive_lymphocyte', 'nrbc', 'smudge', 'unclassified', 'five-types']));
      expect(await kp.layoutProblems()).toEqual([]);

      // A tap on a class sets it; the cell then has its own section in the review.
      await page.locator('ld-cell-sheet [data-type=band]').tap();
      await expect.poll(async () => (await cellType(daemon.url, cellId)).type).toBe('band');
      expect((await cellType(daemon.url, cellId)).source).toBe('corrected');
      await page.locator('ld-cell-sheet [data-action=close]').tap();
      // Make a blast and an NRBC through the API: the report asks for a haematologist.
      const rest = cells.filter((c) => c.id !== cellId);
      for (const [c, type] of [
        [rest[0], 'blast'],
        [rest[1], 'nrbc'],
      ] as const) {
        if (!c) continue;
        expect((await api.patch(`${daemon.url}/api/cells/${c.id}`, { data: { type } })).ok()).toBe(true);
      }

      await page.goto(`${daemon.url}/#/samples/${id}/differential`);
      await page.locator('ld-differential-table [data-row=band]').waitFor();
      await kp.shot('differential');
      // Empty classes beyond the five wait in one row of drop targets at the end of the gallery.
      const dropRow = await page.locator('[data-drop-row] section').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.group));
      expect(dropRow).toEqual(expect.arrayContaining(['immature_granulocyte', 'reactive_lymphocyte', 'smudge']));
      expect(dropRow).not.toContain('band');
      await page.locator('[data-drop-row]').scrollIntoViewIfNeeded();
      await kp.shot('gallery-drop-row');
      await page.goto(`${daemon.url}/#/samples/${id}/report`);
      await page.locator('[data-report-row=band]').waitFor();
      if (rest.length >= 1) await page.locator('[data-banner=attention]').waitFor();
      await kp.shot('report');
      await page.locator('[data-report-row=smudge]').scrollIntoViewIfNeeded();
      await kp.shot('report-table');
      expect(kp.problems).toEqual([]);
      await kp.close();
    }, 120_000);
  }
});

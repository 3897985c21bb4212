/**
 * The headline run of the kiosk, as a nurse does it on the touchscreen: a 100-cell differential from
 * the sample's barcode to the signed report, on the fixture models (two cells a field, both
 * flagged), with hands-free capture over a slide of 50 fields. Slide movements are the fake camera's
 * pan; every tap is counted and logged. It must take at most 40 taps, and the audit trail must show
 * that every counted cell was put in front of a person before the sample was signed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGES, FIXTURE_MODELS } from '../helpers/paths.ts';
import { Daemon } from './helpers/daemon.ts';
import { CHROMIUM, KioskPage, launchKiosk } from './helpers/kiosk.ts';
import { signInAs } from './helpers/gates.ts';
import { scanBarcode } from './helpers/scanner.ts';
import { buildUiIfStale } from './helpers/ui-build.ts';
import { y4mPanClip, type Rect } from './helpers/y4m.ts';

const SMALL = { width: 1024, height: 600 };
const TARGET = 100;
const MAX_TAPS = 40;
const PIN = '246813';
/** Fields of 320x240, cut from the demo photos at their own resolution (an enlarged photo is blurred). */
const FIELD = { width: 320, height: 240 };
/** The four quarters of a 640x480 photo, and three fields of one turned to 480x640. */
const QUADRANTS: [number, number][] = [
  [0, 0],
  [320, 0],
  [0, 240],
  [320, 240],
];
const TURNED_THIRDS: [number, number][] = [
  [0, 0],
  [0, 240],
  [160, 400],
];
/**
 * Where the fields lie on the demo photos (some turned a quarter): none overlaps another of its
 * photo by more than 20 %. Single-cell photos enlarged past their own resolution are left out: the
 * kiosk rightly sees them as out of focus.
 */
const CUTS: { photo: string; turned: boolean; at: [number, number][] }[] = [
  { photo: 'bccd-BloodImage_00001.jpg', turned: false, at: QUADRANTS },
  { photo: 'bccd-BloodImage_00249.jpg', turned: false, at: QUADRANTS },
  { photo: 'bccd-BloodImage_00001.jpg', turned: true, at: TURNED_THIRDS },
  { photo: 'bccd-BloodImage_00249.jpg', turned: true, at: TURNED_THIRDS },
  { photo: 'bcd-9a5a40ca.jpg', turned: false, at: [[48, 88]] },
  { photo: 'pbc-30a596f3.jpg', turned: false, at: [[20, 60]] },
  { photo: 'pbc-a99a594c.jpg', turned: false, at: [[20, 60]] },
];
/** 17 cuts in four orientations: 68 fields that share little area; the run needs 50 of them. */
const FIELDS = 50;
/** 2.4 s still on each field (the box needs 0.6 s steady), 0.4 s of pan between: 700 frames, 80 MB. */
const TIMING = { steadyFrames: 12, moveFrames: 2, fps: 5 };
/** The clip loops back onto fields already taken: the daemon refuses them, the UI says so. */
const CONFLICT = 'console error: Failed to load resource: the server responded with a status of 409 (Conflict)';

/** A slide of `n` distinct fields side by side, with the fields' places on it. */
async function slide(n: number): Promise<{ image: Buffer; fields: Rect[] }> {
  const tiles: Buffer[] = [];
  for (let orientation = 0; orientation < 4 && tiles.length < n; orientation++) {
    for (const { photo, turned, at } of CUTS) {
      const source = await sharp(path.join(DEMO_IMAGES, photo))
        .rotate(turned ? 90 : 0)
        .toBuffer();
      for (const [left, top] of at) {
        if (tiles.length === n) break;
        let tile = sharp(source).extract({ left, top, ...FIELD });
        if (orientation & 1) tile = tile.flop();
        if (orientation & 2) tile = tile.flip();
        tiles.push(await tile.png().toBuffer());
      }
    }
  }
  if (tiles.length < n) throw new Error(`only ${tiles.length} distinct fields can be cut from the demo photos`);
  const image = await sharp({ create: { width: FIELD.width * tiles.length, height: FIELD.height, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((input, i) => ({ input, left: i * FIELD.width, top: 0 })))
    .png()
    .toBuffer();
  return { image, fields: tiles.map((_, i) => ({ left: i * FIELD.width, top: 0, ...FIELD })) };
}

/** The technician's session, for the setup done through the API. */
let cookie = '';

async function api<T>(base: string, url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}${url}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The technician's calibration of the microscope at setup, from three whole demo fields: a quarter
 * field holds too few red cells to measure its scale, and would otherwise be refused as unmeasured.
 */
async function calibrate(base: string, auth: { userId: string; pin: string }): Promise<void> {
  const { id } = await api<{ id: string }>(base, '/api/samples', json('POST', { reference: 'CAL-1' }));
  const source = path.join(DEMO_IMAGES, 'bccd-BloodImage_00001.jpg');
  const photos = [await sharp(source).toBuffer(), await sharp(source).flop().jpeg().toBuffer(), await sharp(path.join(DEMO_IMAGES, 'bccd-BloodImage_00249.jpg')).toBuffer()];
  for (const photo of photos) {
    const form = new FormData();
    form.append('image', new Blob([photo], { type: 'image/jpeg' }), 'field.jpg');
    await api(base, `/api/samples/${id}/fields`, { method: 'POST', body: form });
  }
  const deadline = Date.now() + 60_000;
  while ((await api<{ pendingFields: number }>(base, `/api/samples/${id}`)).pendingFields) {
    if (Date.now() > deadline) throw new Error('the calibration fields were not analysed within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  await api(base, '/api/settings/calibration', json('POST', { sampleId: id, auth }));
}

interface AuditEntry {
  seq: number;
  action: string;
  target: string | null;
  detail: { cellIds?: string[] } | null;
}

describe.skipIf(!existsSync(CHROMIUM))('a 100-cell differential on the touchscreen', () => {
  let browser: Browser;
  let daemon: Daemon;
  let clipDir: string;

  beforeAll(async () => {
    buildUiIfStale();
    clipDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-hundred-'));
    const clip = path.join(clipDir, 'slide.y4m');
    const { image, fields } = await slide(FIELDS);
    writeFileSync(clip, await y4mPanClip(image, fields, TIMING));
    daemon = await Daemon.start(FIXTURE_MODELS);
    // The technician's first-boot setup and calibration, before the nurse's day.
    const { supervisor } = await api<{ supervisor: { id: string } }>(daemon.url, '/api/setup', json('POST', { language: 'en', supervisor: { name: 'Ana', pin: PIN } }));
    const res = await fetch(`${daemon.url}/api/session`, json('POST', { userId: supervisor.id, pin: PIN }));
    cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    await calibrate(daemon.url, { userId: supervisor.id, pin: PIN });
    browser = await launchKiosk(clip);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.dispose();
    if (clipDir) rmSync(clipDir, { recursive: true, force: true });
  });

  it(`1024x600: from the barcode to the signed report in at most ${MAX_TAPS} taps, every cell seen`, async () => {
    const kp = await KioskPage.open(browser, daemon.url, SMALL, 'hundred');
    const { page } = kp;
    const log: string[] = [];
    let taps = 0;
    const started = performance.now();
    const tap = async (what: string, l: Locator) => {
      const screen =
        (await page
          .locator('main[data-screen]')
          .getAttribute('data-screen', { timeout: 1000 })
          .catch(() => null)) ?? 'who';
      log.push(`${String(++taps).padStart(2)}  ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${screen}: ${what}`);
      await l.tap();
    };
    try {
      await page.goto(`${daemon.url}/`);
      // The start of the nurse's session, once a shift: logged, not part of the sample's taps.
      await signInAs(kp, 'Ana', PIN, { tap: (l) => tap('sign in', l) });
      const sessionTaps = taps;
      log.push('--  session open; the sample starts');
      await page.locator('[data-list=loaded]').waitFor();

      // The slide's barcode, scanned on the home screen: the sample starts with that number.
      await scanBarcode(page, 'H-100');
      await page.locator('main[data-screen=new]').waitFor();
      await tap('Start', page.locator('[data-action=start]'));
      await page.locator('main[data-screen=capture]').waitFor();
      const sampleId = /samples\/([0-9a-f-]{36})\/capture/.exec(await kp.route())![1]!;
      await page.locator('ld-camera-view video[data-live]').waitFor({ timeout: 15_000 });

      // Hands-free: from here the nurse moves the slide and focuses; the box takes the fields.
      await tap('Hands-free', page.locator('ld-live-toggle [data-action=live]'));
      const progress: string[] = [];
      const counted = async () => {
        const s = await api<{ differential: { counted: number }; pendingFields: number; fieldCount: number }>(daemon.url, `/api/samples/${sampleId}`);
        progress.push(`${((performance.now() - started) / 1000).toFixed(0)} s: ${s.fieldCount} fields, ${s.pendingFields} in analysis, ${s.differential.counted} cells`);
        return s.pendingFields ? -1 : s.differential.counted;
      };
      try {
        await expect.poll(counted, { timeout: 300_000, interval: 1000 }).toBeGreaterThanOrEqual(TARGET);
      } catch (err) {
        await kp.shot('target-not-reached');
        throw new Error(`the count stopped short:\n${progress.filter((_, i) => i % 10 === 0).join('\n')}`, { cause: err });
      }
      await kp.shot('target-reached');

      await tap('Differential', page.locator('[data-action=differential]'));
      await page.locator('main[data-screen=differential]').waitFor();
      await tap('Review cells', page.locator('[data-action=review]'));
      await page.locator('main[data-screen=review]').waitFor();
      await kp.shot('review');
      expect(await kp.layoutProblems()).toEqual([]);
      // Every tile large enough to judge the cell.
      const tiles = await page.locator('[data-review-tile] img').evaluateAll((imgs) => imgs.map((i) => Math.min(i.clientWidth, i.clientHeight)));
      expect(tiles.length).toBeGreaterThan(0);
      expect(Math.min(...tiles)).toBeGreaterThanOrEqual(150);

      // A page at a time: each tap says "I have seen these cells".
      for (;;) {
        const left = await page.locator('[data-unseen]').getAttribute('data-unseen');
        if (left === '0') break;
        await tap(`Seen (${left} left)`, page.locator('[data-action=seen]'));
        await page.locator(`[data-unseen]:not([data-unseen="${left}"])`).waitFor();
      }
      await tap('Sign', page.locator('[data-action=to-sign]'));
      await page.locator('main[data-screen=sign]').waitFor();
      await page.locator('[data-state=ready]').waitFor();
      for (const d of PIN) await tap(`PIN digit`, page.locator(`ld-keypad [data-key="${d}"]`).first());
      await tap('Sign (PIN)', page.locator('ld-pin-pad [data-key=ok]'));
      await page.locator('main[data-screen=report]').waitFor();
      await kp.shot('report');

      const sampleTaps = taps - sessionTaps;
      console.log(`tap log: ${sampleTaps} taps for the sample (+ ${sessionTaps} to sign in), ${((performance.now() - started) / 1000).toFixed(0)} s:\n${log.join('\n')}`);
      expect(sampleTaps).toBeLessThanOrEqual(MAX_TAPS);

      // From the audit trail: every cell counted at the signature was shown to a person before it.
      const detail = await api<{
        status: string;
        differential: { counted: number };
        fields: { cells: { id: string; type: string }[] }[];
      }>(daemon.url, `/api/samples/${sampleId}`);
      expect(detail.status).toBe('signed');
      const notCounted = ['not_leukocyte', 'nrbc', 'smudge'];
      const countedIds = detail.fields.flatMap((f) => f.cells.filter((c) => !notCounted.includes(c.type)).map((c) => c.id));
      expect(countedIds.length).toBe(detail.differential.counted);
      expect(countedIds.length).toBeGreaterThanOrEqual(TARGET);
      const audit = await api<AuditEntry[]>(daemon.url, `/api/samples/${sampleId}/audit`);
      const signed = audit.find((e) => e.action === 'sample.signed')!.seq;
      const shown = new Set<string>();
      for (const e of audit) {
        if (e.seq > signed) continue;
        for (const id of e.detail?.cellIds ?? []) shown.add(id);
        if (e.target?.startsWith('cell:') && ['cell.reviewed', 'cell.reclassified', 'cell.added'].includes(e.action)) shown.add(e.target.slice(5));
      }
      expect(countedIds.filter((id) => !shown.has(id))).toEqual([]);
      expect(kp.problems.filter((p) => p !== CONFLICT)).toEqual([]);
    } finally {
      await kp.close();
    }
  }, 480_000);
});

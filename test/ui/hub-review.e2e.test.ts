/**
 * "Back at the box" (issue 25 item 4), as a nurse sees it on the touchscreen: a box syncing with an
 * in-process hub signs two samples; at the hub Dr Ada reclassifies a cell of A (applied at the box)
 * and one of B that the box changed meanwhile (refused: a conflict). In Chromium with touch, at
 * 1024x600 and 1280x800, in English and French, the nurse signs in by tapping, and finds:
 * - on the home list, a pill "Reviewed by Dr Ada" on A and "Review not applied" on B, both wholly
 *   inside their row, overlapping nothing;
 * - on A's differential, "Reviewed at the hub by Dr Ada: 1 cell changed";
 * - on A's report, the banner "AMENDED after review at the hub by Dr Ada" and, under People,
 *   "Dr Ada, <date>: field 1: <from> → <to>" in the kiosk's language;
 * - on B's differential, a warning that the review was not applied, with what it proposed.
 * Screenshots: test-artifacts/ui/hub-review-<size>-<lang>-<screen>.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon as BoxDaemon } from '../../scripts/lib/daemon.ts';
import type { HubReviewNote } from '../../ui/src/api/types.ts';
import { en } from '../../ui/src/i18n/en.ts';
import { fr } from '../../ui/src/i18n/fr.ts';
import { reviewerHeaders, reviewForm, testHub, type TestHub } from '../hub/helpers.ts';
import { DEMO_IMAGES, FIXTURE_MODELS } from '../helpers/paths.ts';
import { NURSE_PIN, seeAllCells, SHORT_REASON, SUPERVISOR_PIN } from '../helpers/workflow.ts';
import { signInAs } from './helpers/gates.ts';
import { ARTIFACTS, KioskPage, launchKiosk, type Size } from './helpers/kiosk.ts';
import { buildUiIfStale } from './helpers/ui-build.ts';
import { y4mFromImage } from './helpers/y4m.ts';

const SIZES: Record<string, Size> = { small: { width: 1024, height: 600 }, large: { width: 1280, height: 800 } };
const CATALOGUES = { en, fr } as const;
type Lang = keyof typeof CATALOGUES;
const PHOTOS = [path.join(DEMO_IMAGES, 'bccd-BloodImage_00001.jpg'), path.join(DEMO_IMAGES, 'bccd-BloodImage_00249.jpg')];
const NURSE = 'Amina';
const REVIEWER = 'Dr Ada';
const FIVE = ['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte'] as const;

/** The box's sync settings for a test: quick retries and polls (as the sync harness's FAST_BOX_ENV). */
const FAST_SYNC = {
  LEUKODIFF_SYNC_BACKOFF_BASE_MS: '100',
  LEUKODIFF_SYNC_BACKOFF_CAP_MS: '1000',
  LEUKODIFF_SYNC_PROBE_MS: '200',
  LEUKODIFF_SYNC_POLL_MS: '500',
  LEUKODIFF_SYNC_TIMEOUT_MS: '3000',
};

interface ApiCell {
  id: string;
  type: string;
}
interface ApiSample {
  id: string;
  status: string;
  pendingFields: number;
  signedRevision: number | null;
  fields: { cells: ApiCell[] }[];
  hubReview: HubReviewNote | null;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The box's API with the supervisor's session cookie. */
class BoxApi {
  cookie = '';
  constructor(readonly base: string) {}

  async req(o: { method: string; url: string; payload?: unknown }): Promise<{ statusCode: number; body: string; json(): any }> {
    const res = await fetch(`${this.base}${o.url}`, {
      method: o.method,
      headers: { ...(o.payload === undefined ? {} : { 'content-type': 'application/json' }), ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: o.payload === undefined ? undefined : JSON.stringify(o.payload),
    });
    const body = await res.text();
    return { statusCode: res.status, body, json: () => JSON.parse(body) };
  }

  async ok(method: string, url: string, payload: unknown, status: number): Promise<any> {
    const res = await this.req({ method, url, payload });
    if (res.statusCode !== status) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.body ? res.json() : null;
  }

  sample(id: string): Promise<ApiSample> {
    return this.ok('GET', `/api/samples/${id}`, undefined, 200);
  }
}

/** Sets the box up: its supervisor (signed in for the API) and a nurse who uses the kiosk. */
async function setUpBox(box: BoxApi): Promise<string> {
  const setup = await box.ok('POST', '/api/setup', { language: 'en', supervisor: { name: 'Dr Okafor', pin: SUPERVISOR_PIN } }, 201);
  const supervisor = setup.supervisor.id as string;
  const signIn = await fetch(`${box.base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: supervisor, pin: SUPERVISOR_PIN }) });
  if (signIn.status !== 201) throw new Error(`sign in: ${await signIn.text()}`);
  box.cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
  await box.ok('POST', '/api/users', { name: NURSE, role: 'nurse', pin: NURSE_PIN, auth: { userId: supervisor, pin: SUPERVISOR_PIN } }, 201);
  return supervisor;
}

/** A sample with one analysed field (kept whatever its quality), every cell seen, signed by the supervisor. */
async function signedSample(box: BoxApi, supervisor: string, reference: string, photo: string): Promise<ApiSample> {
  const { id } = (await box.ok('POST', '/api/samples', { reference }, 201)) as { id: string };
  const form = new FormData();
  form.append('image', new Blob([readFileSync(photo)], { type: 'image/jpeg' }), 'field.jpg');
  const up = await fetch(`${box.base}/api/samples/${id}/fields`, { method: 'POST', headers: { cookie: box.cookie }, body: form });
  if (up.status !== 202) throw new Error(`upload: ${up.status} ${await up.text()}`);
  const fieldId = ((await up.json()) as { id: string }).id;
  await until(`analysis of ${reference}`, async () => (await box.sample(id)).pendingFields === 0);
  await box.req({ method: 'POST', url: `/api/fields/${fieldId}/keep`, payload: {} });
  await seeAllCells((o) => box.req(o), id);
  await box.ok('POST', `/api/samples/${id}/sign`, { auth: { userId: supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON }, 200);
  return box.sample(id);
}

/** Dr Ada's review at the hub, posted as her browser would: the page's form with one cell's type changed. */
async function reviewAtHub(hubUrl: string, hub: TestHub, sampleId: string, cellId: string, to: string): Promise<void> {
  const auth = await reviewerHeaders(hub);
  const page = await fetch(`${hubUrl}/review/samples/${sampleId}`, { headers: auth });
  expect(page.status).toBe(200);
  const form = reviewForm(await page.text());
  expect(form, 'the review page offers the cell').toHaveProperty(`cell.${cellId}`);
  form[`cell.${cellId}`] = to;
  const res = await fetch(`${hubUrl}/review/samples/${sampleId}/reviews`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...auth, origin: hubUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form, password: hub.reviewer.password }).toString(),
  });
  expect(res.status, await res.text()).toBe(303);
}

/** Where the row's pills lie against each other, the row and its text; what the nurse cannot see. */
async function rowProblems(row: Locator): Promise<string[]> {
  return row.evaluate((button) => {
    const out: string[] = [];
    const r = button.getBoundingClientRect();
    const box = (el: Element) => el.getBoundingClientRect();
    const name = (el: Element) => `${el.className} "${(el.textContent ?? '').trim()}"`;
    const pills = [...button.querySelectorAll('.pill')];
    const texts = [...button.querySelectorAll('.ref, .meta > span')];
    for (const p of [...pills, ...texts]) {
      const b = box(p);
      if (b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5) out.push(`outside its row: ${name(p)}`);
      if (b.right > innerWidth + 0.5) out.push(`past the screen's edge: ${name(p)}`);
      const el = p as HTMLElement;
      if (el.scrollWidth > el.clientWidth + 1) out.push(`text cut: ${name(p)}`);
    }
    const all = [...pills, ...texts];
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const a = box(all[i]!);
        const b = box(all[j]!);
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) out.push(`overlap: ${name(all[i]!)} / ${name(all[j]!)}`);
      }
    }
    return out;
  });
}

/** The element lies wholly on the screen (not under the edge, not scrolled away). */
async function onScreen(page: Page, l: Locator): Promise<void> {
  const b = (await l.boundingBox())!;
  const v = page.viewportSize()!;
  expect(b.x).toBeGreaterThanOrEqual(0);
  expect(b.y).toBeGreaterThanOrEqual(0);
  expect(b.x + b.width).toBeLessThanOrEqual(v.width);
  expect(b.y + b.height).toBeLessThanOrEqual(v.height);
}

async function shot(page: Page, size: string, lang: Lang, screen: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Let images decode and fonts settle.
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(ARTIFACTS, `hub-review-${size}-${lang}-${screen}.png`) });
}

describe('a review from the hub, back at the box, as the nurse sees it', () => {
  let hub: TestHub;
  let hubUrl: string;
  let daemon: BoxDaemon | undefined;
  let box: BoxApi;
  let browser: Browser;
  let tmp: string;
  /** Sample A: the review applied (one cell, from -> to). */
  const a = { id: '', from: '', to: '' };
  /** Sample B: the box changed the cell first; the hub proposed another type. */
  const b = { id: '', from: '', atBox: '', proposed: '' };

  beforeAll(async () => {
    buildUiIfStale();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-hub-review-'));
    const clip = path.join(tmp, 'camera.y4m');
    writeFileSync(clip, await y4mFromImage(PHOTOS[0]!));
    hub = await testHub('sqlite');
    await hub.app.listen({ host: '127.0.0.1', port: 0 });
    hubUrl = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
    daemon = await BoxDaemon.start(path.join(tmp, 'box'), {
      LEUKODIFF_MODELS: FIXTURE_MODELS,
      LEUKODIFF_BACKEND: 'onnxruntime',
      LEUKODIFF_THREADS: '1',
      LEUKODIFF_HUB_URL: hubUrl,
      LEUKODIFF_HUB_TOKEN: hub.tokens.c1,
      ...FAST_SYNC,
    });
    box = new BoxApi(daemon.url);
    const supervisor = await setUpBox(box);

    const sa = await signedSample(box, supervisor, 'HUB-A', PHOTOS[0]!);
    const sb = await signedSample(box, supervisor, 'HUB-B', PHOTOS[1]!);
    a.id = sa.id;
    b.id = sb.id;
    for (const s of [sa, sb]) await until(`${s.id} synced`, async () => (await box.sample(s.id)).status === 'synced');

    // A: a cell of field 1 becomes an eosinophil (or a basophil if it is one already).
    const cellA = sa.fields[0]!.cells.find((c) => c.type === 'neutrophil') ?? sa.fields[0]!.cells[0]!;
    a.from = cellA.type;
    a.to = cellA.type === 'eosinophil' ? 'basophil' : 'eosinophil';
    await reviewAtHub(hubUrl, hub, a.id, cellA.id, a.to);

    // B: the box reclassifies a cell (with a reason) before the hub's review of that cell arrives.
    const cellB = sb.fields[0]!.cells[0]!;
    b.from = cellB.type;
    b.atBox = cellB.type === 'lymphocyte' ? 'monocyte' : 'lymphocyte';
    b.proposed = FIVE.find((t) => t !== b.from && t !== b.atBox)!;
    await box.ok('PATCH', `/api/cells/${cellB.id}`, { type: b.atBox, reason: 'looked again at the microscope' }, 200);
    await reviewAtHub(hubUrl, hub, b.id, cellB.id, b.proposed);

    await box.req({ method: 'POST', url: '/api/sync/run', payload: {} });
    // (A sample without the field at all, as a response schema that drops it gives, never gets there.)
    await until('both reviews back at the box (GET /api/samples/:id with a hubReview)', async () => Boolean((await box.sample(a.id)).hubReview) && Boolean((await box.sample(b.id)).hubReview));
    browser = await launchKiosk(clip);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    await hub?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('applies the review of A and refuses the one of B, which the box had changed', async () => {
    expect((await box.sample(a.id)).hubReview).toMatchObject({ reviewer: REVIEWER, outcome: 'applied', why: null, cells: [{ field: 1, from: a.from, to: a.to }] });
    expect((await box.sample(b.id)).hubReview).toMatchObject({ reviewer: REVIEWER, outcome: 'conflict', why: 'cells_changed', cells: [{ field: 1, from: b.from, to: b.proposed }] });
  });

  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const lang of ['en', 'fr'] as const) {
      it(`shows who reviewed and what changed, on the list, the differential and the report (${size}, ${lang})`, async () => {
        const t = CATALOGUES[lang];
        const kp = await KioskPage.open(browser, daemon!.url, viewport, `hub-review-${size}-${lang}`);
        const { page } = kp;
        try {
          await page.goto(`${daemon!.url}/`);
          await signInAs(kp, NURSE, NURSE_PIN);
          if (lang === 'fr') {
            await page.locator('ld-top-bar [data-nav=language]').tap();
            await page.locator('html[lang=fr]').waitFor();
          }

          // The list: both rows with their hub pill, which fits its row.
          await page.locator('[data-list=loaded]').waitFor();
          const rowA = page.locator(`ld-sample-row button[data-sample="${a.id}"]`);
          const rowB = page.locator(`ld-sample-row button[data-sample="${b.id}"]`);
          const pillA = rowA.locator('[data-hub-review]');
          const pillB = rowB.locator('[data-hub-review]');
          await expect.poll(() => pillA.getAttribute('data-hub-review')).toBe('applied');
          expect(await pillB.getAttribute('data-hub-review')).toBe('conflict');
          expect((await pillA.innerText()).trim()).toBe(lang === 'en' ? `Reviewed by ${REVIEWER}` : `Relu par ${REVIEWER}`);
          expect((await pillB.innerText()).trim()).toBe(lang === 'en' ? 'Review not applied' : 'Relecture non appliquée');
          await shot(page, size, lang, 'list');
          for (const row of [rowA, rowB]) {
            await onScreen(page, row);
            expect(await rowProblems(row)).toEqual([]);
          }
          expect(await kp.layoutProblems()).toEqual([]);

          // A's differential: who reviewed and how many cells changed.
          await rowA.tap();
          await page.locator('main[data-screen=differential]').waitFor();
          const applied = page.locator('p[data-hub-review=applied]');
          await applied.waitFor();
          expect((await applied.innerText()).trim()).toBe(lang === 'en' ? `Reviewed at the hub by ${REVIEWER}: 1 cell changed` : `Relu au hub par ${REVIEWER} : 1 cellule modifiée`);
          await onScreen(page, applied);
          await shot(page, size, lang, 'differential-a');
          expect(await kp.layoutProblems()).toEqual([]);

          // A's report: the banner on top and the change under People, in the kiosk's language.
          await page.locator('[data-action=report]').tap();
          await page.locator('main[data-screen=report]').waitFor();
          const banner = page.locator('[data-banner=reviewed]');
          await banner.waitFor();
          expect((await banner.innerText()).trim()).toBe(lang === 'en' ? `AMENDED after review at the hub by ${REVIEWER}` : `MODIFIÉ après relecture au hub par ${REVIEWER}`);
          await onScreen(page, banner);
          await shot(page, size, lang, 'report-a');
          const people = page.locator('[data-report-hub-review]');
          expect(await people.count()).toBe(1);
          const change = lang === 'en' ? 'field 1: ' : 'champ 1 : ';
          const [from, to] = [t[`type.${a.from}` as keyof typeof t], t[`type.${a.to}` as keyof typeof t]] as string[];
          const line = (await people.innerText()).replace(/\s+/g, ' ').trim();
          expect(line.startsWith(`${REVIEWER}, `), line).toBe(true);
          expect(line.endsWith(`: ${change}${from} → ${to}`), line).toBe(true);
          await people.scrollIntoViewIfNeeded();
          await onScreen(page, people);
          await shot(page, size, lang, 'report-a-people');
          expect(await kp.layoutProblems()).toEqual([]);

          // Back home, then B: a warning that the review was not applied, with what it proposed.
          await page.locator('ld-top-bar [data-nav=home]').tap();
          await page.locator('[data-list=loaded]').waitFor();
          await rowB.tap();
          await page.locator('main[data-screen=differential]').waitFor();
          const conflict = page.locator('[data-hub-review=conflict]');
          await conflict.waitFor();
          const text = (await conflict.innerText()).replace(/\s+/g, ' ').trim();
          const [was, proposed] = [t[`type.${b.from}` as keyof typeof t], t[`type.${b.proposed}` as keyof typeof t]] as string[];
          expect(text).toBe(
            lang === 'en'
              ? `Review at the hub by ${REVIEWER} not applied (its cells were changed here). Proposed: field 1: ${was} → ${proposed}. Check these cells and sign again.`
              : `Relecture au hub par ${REVIEWER} non appliquée (ses cellules ont été modifiées ici). Proposé : champ 1 : ${was} → ${proposed}. Vérifiez ces cellules et signez à nouveau.`,
          );
          expect(await conflict.evaluate((el) => el.classList.contains('warning'))).toBe(true);
          await onScreen(page, conflict);
          await shot(page, size, lang, 'differential-b');
          expect(await kp.layoutProblems()).toEqual([]);
          expect(kp.problems).toEqual([]);
        } finally {
          await kp.close();
        }
      }, 90_000);
    }
  }
});

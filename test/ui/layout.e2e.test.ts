/**
 * Layout, recovery and messages on a touchscreen (hasTouch, taps), at 1024x600 and 1280x800, in
 * English and French, against the real daemon on the fixture models (two cells per field):
 * - every visible button and key lies wholly on the screen and nothing covers it (the keyboard of
 *   New sample and of the Users form, the Unlock button of locked settings, the quality question);
 * - no control covers a cell of the photo (the zoom buttons sit beside it);
 * - the daemon stops while a photo is sent (the kiosk gets fastify's "Service Unavailable"): the
 *   kiosk says so in the nurse's language and opens the field the daemon kept once it is back;
 * - a reload during Retake or Keep asks again;
 * - a sample number that exists already (scanned in another case, or created meanwhile elsewhere)
 *   opens that sample;
 * - the counting settings (target, field overlap, idle lock) are typed on their keypad and saved.
 * Screenshots: test-artifacts/ui/layout-*.png.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../ui/src/i18n/en.ts';
import { fr } from '../../ui/src/i18n/fr.ts';
import { DEMO_IMAGES, FIXTURE_MODELS } from '../helpers/paths.ts';
import { Daemon } from './helpers/daemon.ts';
import { CHROMIUM, KioskPage, launchKiosk, type Size } from './helpers/kiosk.ts';
import { scanBarcode } from './helpers/scanner.ts';
import { buildUiIfStale } from './helpers/ui-build.ts';
import { y4mFromImage } from './helpers/y4m.ts';

const SIZES: Record<string, Size> = { small: { width: 1024, height: 600 }, large: { width: 1280, height: 800 } };
const LANGS = { en, fr } as const;
type Lang = keyof typeof LANGS;
/** A supervisor's PIN (6 digits or more). */
const PIN = '246813';

/**
 * Sets the box up (first boot) if needed and signs this browser in as its supervisor, through the
 * API: the one place to change when signing in changes. Returns the supervisor's id.
 */
async function signIn(kp: KioskPage): Promise<string> {
  const api = kp.context.request;
  const setup = await api.post(`${kp.base}/api/setup`, { data: { language: 'en', supervisor: { name: 'Ana', pin: PIN } } });
  let id: string | undefined;
  if (setup.status() === 201) id = ((await setup.json()) as { supervisor: { id: string } }).supervisor.id;
  else if (setup.status() === 404) {
    // A daemon without first-boot setup: the first user is made directly.
    const made = await api.post(`${kp.base}/api/users`, { data: { name: 'Ana', role: 'supervisor', pin: PIN } });
    if (made.ok()) id = ((await made.json()) as { id: string }).id;
  }
  if (!id) {
    // Set up already: the names on the "Who is working?" screen (or, before sessions, the users).
    let people = await api.get(`${kp.base}/api/session/people`);
    if (people.status() === 404) people = await api.get(`${kp.base}/api/users`);
    const users = (await people.json()) as { id: string; role: string; active?: boolean }[];
    id = users.find((u) => u.role === 'supervisor' && u.active !== false)!.id;
  }
  const session = await api.post(`${kp.base}/api/session`, { data: { userId: id, pin: PIN } });
  if (session.status() !== 404 && !session.ok()) throw new Error(`sign in: ${session.status()} ${await session.text()}`);
  return id;
}

async function onScreen(page: Page, name: string, timeout = 20_000): Promise<void> {
  try {
    await page.locator(`main[data-screen=${name}]`).waitFor({ timeout });
  } catch (err) {
    const showing = await page
      .locator('main[data-screen]')
      .first()
      .getAttribute('data-screen', { timeout: 1000 })
      .catch(() => null);
    const toasts = await page.locator('[data-toast]').allInnerTexts();
    throw new Error(`screen '${name}' did not come within ${timeout} ms; showing '${showing}', messages: ${JSON.stringify(toasts)}`, { cause: err });
  }
}

async function tapEnabled(button: Locator, timeout = 20_000): Promise<void> {
  await button.waitFor({ state: 'visible', timeout });
  const deadline = Date.now() + timeout;
  while (await button.isDisabled()) {
    if (Date.now() > deadline) throw new Error('button stayed disabled');
    await new Promise((r) => setTimeout(r, 50));
  }
  await button.tap();
}

async function tapKeys(page: Page, scope: string, text: string): Promise<void> {
  for (const ch of text) await page.locator(`${scope} [data-key="${ch}"]`).first().tap();
}

/**
 * Visible controls (buttons, keys, entries) not wholly on the screen, or covered at their centre by
 * something else: a keyboard pushed off the bottom, a button below the screen, a panel over a key.
 * With `modal`, only the controls inside it count (the rest is behind it on purpose).
 */
function controlProblems(page: Page, modal?: string): Promise<string[]> {
  return page.evaluate((modalTag) => {
    const out: string[] = [];
    const all: HTMLElement[] = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll<HTMLElement>('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        all.push(el);
      }
    };
    visit(document);
    const controls = all.filter((el) => el.matches('button, a[href], input:not([type=hidden]):not([type=file]), select, [role=button]'));
    const modalHost = modalTag ? (all.find((el) => el.localName === modalTag) ?? null) : null;
    /** Whether `el` is inside `host`, across shadow roots. */
    const inside = (el: Node, host: Element): boolean => {
      for (let n: Node | null = el; n; n = n.parentNode ?? (n as ShadowRoot).host ?? null) if (n === host) return true;
      return false;
    };
    /** The innermost element at a point, through shadow roots. */
    const at = (x: number, y: number): Element | null => {
      let e = document.elementFromPoint(x, y);
      while (e?.shadowRoot) {
        const inner = e.shadowRoot.elementFromPoint(x, y);
        if (!inner || inner === e) break;
        e = inner;
      }
      return e;
    };
    for (const el of controls) {
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height || el.hidden || getComputedStyle(el).visibility === 'hidden') continue;
      if (modalTag && !(modalHost && inside(el, modalHost))) continue;
      const name = `${el.localName}${el.dataset.key ? `[key=${el.dataset.key}]` : ''}${el.dataset.action ? `[${el.dataset.action}]` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
      if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) {
        out.push(`not wholly on the screen (${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)}): ${name}`);
        continue;
      }
      const hit = at(r.left + r.width / 2, r.top + r.height / 2);
      if (hit && !inside(hit, el)) out.push(`covered by ${hit.localName}.${String(hit.className)}: ${name}`);
    }
    return out;
  }, modal);
}

/** Controls whose box meets a cell's box on the photo (both clipped to the screen). */
function controlsOverCells(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const all: Element[] = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        all.push(el);
      }
    };
    visit(document);
    const viewer = all.find((e) => e.localName === 'ld-field-viewer');
    const stage = (viewer?.shadowRoot?.querySelector('svg.surface') ?? viewer)?.getBoundingClientRect();
    if (!stage) return ['no photo on the screen'];
    const clip = (r: DOMRect) => ({
      l: Math.max(r.left, stage.left, 0),
      t: Math.max(r.top, stage.top, 0),
      r: Math.min(r.right, stage.right, innerWidth),
      b: Math.min(r.bottom, stage.bottom, innerHeight),
    });
    const cells = all.filter((e) => e.hasAttribute('data-cell')).map((e) => ({ id: e.getAttribute('data-cell'), box: clip(e.getBoundingClientRect()) }));
    if (!cells.length) return ['no cell on the photo'];
    for (const c of all) {
      if (!c.matches('button, a[href], input:not([type=hidden]):not([type=file]), select, [role=button]')) continue;
      const r = c.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      for (const cell of cells) {
        const b = cell.box;
        if (b.r <= b.l || b.b <= b.t) continue;
        if (r.left < b.r && r.right > b.l && r.top < b.b && r.bottom > b.t) out.push(`${c.localName}[${c.getAttribute('data-zoom') ?? c.getAttribute('data-action') ?? ''}] over cell ${cell.id}`);
      }
    }
    return out;
  });
}

describe.skipIf(!existsSync(CHROMIUM))('layout, recovery and messages on the touchscreen', () => {
  let browser: Browser;
  let daemon: Daemon;
  let dir: string;
  let blurred: string;
  /** Whether a run stopped the daemon and did not start it again. */
  let stopped = false;

  beforeAll(async () => {
    buildUiIfStale();
    dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-layout-'));
    const clip = path.join(dir, 'camera.y4m');
    writeFileSync(clip, await y4mFromImage(path.join(DEMO_IMAGES, 'bccd-BloodImage_00001.jpg')));
    // Out of focus well past the check's threshold, lossless so JPEG noise cannot sharpen it.
    blurred = path.join(dir, 'blurred.png');
    await sharp(path.join(DEMO_IMAGES, 'bccd-BloodImage_00249.jpg')).blur(8).png().toFile(blurred);
    daemon = await Daemon.start(FIXTURE_MODELS);
    browser = await launchKiosk(clip);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runs = Object.keys(SIZES).flatMap((size) => (Object.keys(LANGS) as Lang[]).map((lang) => ({ size, lang })));

  it.each(runs)(
    '$size, $lang: every screen fits, the field comes back after a restart, the quality question survives a reload',
    async ({ size, lang }) => {
      const t = LANGS[lang];
      const kp = await KioskPage.open(browser, daemon.url, SIZES[size]!, `layout-${size}-${lang}`);
      const { page } = kp;
      await kp.context.addInitScript((l) => localStorage.setItem('leukodiff.lang', l), lang);
      const check = async (name: string, modal?: string) => {
        await kp.shot(name);
        expect(await controlProblems(page, modal), name).toEqual([]);
        expect(await kp.layoutProblems(), name).toEqual([]);
      };
      try {
        const supervisor = await signIn(kp);
        await page.goto(`${kp.base}/`);
        await page.locator('[data-list=loaded]').waitFor();
        await check('home');

        // New sample, on the on-screen keyboard.
        const reference = `L-${size}-${lang}`.toUpperCase();
        await page.locator('[data-action=new-sample]').tap();
        await onScreen(page, 'new');
        await tapKeys(page, 'ld-keyboard', reference);
        await check('new-sample');
        await page.locator('[data-action=start]').tap();
        await onScreen(page, 'capture');
        await page.locator('ld-camera-view video[data-live]').waitFor({ timeout: 20_000 });
        await tapEnabled(page.locator('[data-action=capture]'));
        await onScreen(page, 'field', 30_000);
        await expect.poll(() => page.locator('ld-field-viewer [data-cell]').count(), { timeout: 15_000 }).toBe(2);
        await check('field');
        expect(await controlsOverCells(page)).toEqual([]);
        // Zoomed in, cells reach the photo's edges: still no control over them.
        await page.locator('ld-field-viewer [data-zoom=in]').tap();
        await page.locator('ld-field-viewer [data-zoom=in]').tap();
        await check('field-zoomed');
        expect(await controlsOverCells(page)).toEqual([]);

        // The daemon stops while the next photo (from a USB stick) is sent: the daemon kept it, and the
        // kiosk got what fastify answers while it closes, 503 "Service Unavailable".
        await page.locator('[data-action=next-field]').tap();
        await onScreen(page, 'capture');
        const uploads = '**/api/samples/*/fields';
        const photo = path.join(DEMO_IMAGES, 'pbc-a99a594c.jpg');
        let keptStatus = 0;
        await page.route(uploads, async (route) => {
          // Chromium does not hand a file part to a route: the same bytes go to the daemon from here.
          const kept = await kp.context.request.post(route.request().url(), {
            multipart: { capturedAt: new Date().toISOString(), askQuality: 'true', image: { name: 'field.jpg', mimeType: 'image/jpeg', buffer: readFileSync(photo) } },
          });
          keptStatus = kept.status();
          kp.daemonDown = true;
          stopped = true;
          await daemon.stop();
          await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable' }) });
        });
        await page.locator('ld-capture-screen input[type=file]').setInputFiles(photo);
        const lost = page.locator('ld-capture-screen [data-phase=lost]');
        await lost.waitFor({ timeout: 20_000 });
        expect(keptStatus).toBe(202);
        expect(await lost.innerText()).toContain(t['capture.lost']);
        // No toast with the server's English (fastify's "Service Unavailable").
        expect((await page.locator('[data-toast]').allInnerTexts()).join(' ')).not.toMatch(/Service|Unavailable|went wrong/);
        await page.unroute(uploads);
        await check('capture-daemon-stopped');
        await daemon.restart();
        stopped = false;
        // Back: the kiosk opens the field the daemon kept and analysed (asking Retake or Keep first if
        // the photo has warnings), no retake.
        const question = page.locator('[data-dialog=quality]');
        await Promise.race([onScreen(page, 'field', 40_000), question.waitFor({ timeout: 40_000 })]);
        kp.daemonDown = false;
        if (await question.count()) await page.locator('[data-action=keep]').tap();
        await onScreen(page, 'field');
        await page.locator('ld-field-viewer [data-cell]').first().waitFor();
        const sampleId = (await kp.route()).split('/')[2]!;
        const detail = async () => (await (await kp.context.request.get(`${kp.base}/api/samples/${sampleId}`)).json()) as { fields: { id: string; awaitingDecision?: boolean }[] };
        const fields = (await detail()).fields;
        // One field kept from the lost upload, and it is the one on the screen.
        expect(fields).toHaveLength(2);
        expect(await kp.route()).toContain(fields[1]!.id);
        await check('field-after-restart');

        // An out-of-focus photo: the question; a reload asks it again; Keep is recorded by the daemon.
        await page.locator('[data-action=next-field]').tap();
        await onScreen(page, 'capture');
        await page.locator('ld-capture-screen input[type=file]').setInputFiles(blurred);
        const dialog = page.locator('[data-dialog=quality]');
        await dialog.waitFor({ timeout: 30_000 });
        await check('quality-question', 'ld-quality-dialog');
        await page.reload();
        await dialog.waitFor({ timeout: 20_000 });
        await check('quality-question-after-reload', 'ld-quality-dialog');
        expect((await detail()).fields.filter((f) => f.awaitingDecision)).toHaveLength(1);
        await page.locator('[data-action=keep]').tap();
        await onScreen(page, 'field', 20_000);
        expect((await detail()).fields.filter((f) => f.awaitingDecision)).toHaveLength(0);

        // A scanned number that exists in another case opens that sample.
        await page.locator('[data-nav=home]').tap();
        await page.locator('[data-list=loaded]').waitFor();
        await scanBarcode(page, reference.toLowerCase());
        await onScreen(page, 'differential');
        expect(await kp.route()).toContain(sampleId);
        // Another kiosk creates the number while this one types it: the daemon refuses, the kiosk opens it.
        const other = `D-${size}-${lang}`.toUpperCase();
        await page.locator('[data-nav=home]').tap();
        await page.locator('[data-action=new-sample]').tap();
        await onScreen(page, 'new');
        await tapKeys(page, 'ld-keyboard', other);
        const made = await kp.context.request.post(`${kp.base}/api/samples`, { data: { reference: ` ${other.toLowerCase()}` } });
        expect(made.status()).toBe(201);
        const otherId = ((await made.json()) as { id: string }).id;
        // As if this kiosk had looked before the other created it.
        await page.route('**/api/samples?limit=5&reference=*', (route) => route.fulfill({ json: { items: [], total: 0, limit: 5, offset: 0 } }));
        await page.locator('[data-action=start]').tap();
        await onScreen(page, 'differential');
        expect(await kp.route()).toContain(otherId);
        await page.unrouteAll();
        kp.problems.splice(0, kp.problems.length, ...kp.problems.filter((p) => !p.includes('409 (Conflict)')));

        // Settings: locked until a supervisor's PIN; the Users form with its keyboard, then its keypad.
        await page.locator('[data-nav=settings]').tap();
        await onScreen(page, 'settings');
        await page.locator('[data-section=ranges]').tap();
        await page.locator('[data-state=locked]').waitFor();
        await check('settings-locked');
        await tapKeys(page, 'ld-pin-pad', PIN);
        await page.locator('ld-pin-pad [data-key=ok]').tap();
        await page.locator('[data-range=neutrophil-low]').waitFor();
        // Counting: the target, the field overlap (a percentage) and the idle lock on one keypad; Save sends them.
        const settingsNow = async () => (await (await kp.context.request.get(`${kp.base}/api/settings`)).json()) as { maxFieldOverlap: number; idleLockMinutes: number };
        const before = await settingsNow();
        await page.locator('[data-section=counting]').tap();
        for (const [setting, value] of [
          ['idleLockMinutes', '45'],
          ['maxFieldOverlap', '40'],
        ] as const) {
          await page.locator(`ld-counting-setting [data-setting=${setting}]`).tap();
          await page.locator('ld-counting-setting [data-key=clear]').tap();
          await tapKeys(page, 'ld-counting-setting ld-keypad', value);
        }
        await check('settings-counting');
        await page.locator('ld-counting-setting [data-key=ok]').tap();
        await page.locator('[data-toast]', { hasText: t['settings.saved'] as string }).waitFor();
        await page.locator('ld-toast button').tap();
        await expect.poll(settingsNow, { timeout: 10_000 }).toMatchObject({ maxFieldOverlap: 0.4, idleLockMinutes: 45 });
        // The other runs share this daemon: put its settings back.
        const restored = await kp.context.request.patch(`${kp.base}/api/settings`, {
          data: { maxFieldOverlap: before.maxFieldOverlap, idleLockMinutes: before.idleLockMinutes, auth: { userId: supervisor, pin: PIN } },
        });
        expect(restored.status()).toBe(200);
        await page.locator('[data-section=users]').tap();
        await page.locator('[data-action=add-user]').tap();
        await page.locator('ld-user-form ld-keyboard').waitFor();
        await tapKeys(page, 'ld-user-form ld-keyboard', 'BEA');
        await check('settings-add-user');
        await page.locator('ld-user-form [data-entry=pin]').tap();
        await page.locator('ld-user-form ld-keypad').waitFor();
        await check('settings-add-user-pin');

        // Device health: the inference backend and the detectors in the nurse's language.
        await page.goto(`${kp.base}/#/health`);
        await page.locator('[data-tile=backend]').waitFor();
        await page.locator('[data-tile=models]').waitFor();
        await check('health');
        const health = `${await page.locator('[data-tile=backend]').innerText()} ${await page.locator('[data-tile=models]').innerText()}`;
        expect(health).toContain(t['health.backendCpu']);
        expect(health).not.toMatch(/TensorRT unavailable|onnxruntime on the CPU|paper|wbf/);

        expect(kp.problems).toEqual([]);
      } finally {
        kp.daemonDown = false;
        await kp.close();
        // The next run needs the daemon, whatever happened to this one.
        if (stopped) await daemon.restart();
        stopped = false;
      }
    },
    300_000,
  );
});

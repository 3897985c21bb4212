/**
 * The kiosk's gates by touch, at 1024x600 and 1280x800, in English and French, each on a new box:
 * the first-boot setup (the recovery code shown once, Next only after "I have written it down"),
 * "Who is working?", signing in, the top bar naming who is signed in, the idle lock over the screen
 * the nurse was on (restored after signing in), and signing out. Screenshots of each under
 * test-artifacts/ui/gates-*; no console error, no control under 48 px.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGES, FIXTURE_MODELS } from '../helpers/paths.ts';
import { Daemon } from './helpers/daemon.ts';
import { endSessionBehindKiosk, setUpBox, signInAs } from './helpers/gates.ts';
import { CHROMIUM, KioskPage, launchKiosk } from './helpers/kiosk.ts';
import { buildUiIfStale } from './helpers/ui-build.ts';
import { y4mFromImage } from './helpers/y4m.ts';

const PIN = '135792';
const RUNS = [
  { size: { width: 1024, height: 600 }, lang: 'en', label: 'gates-small-en' },
  { size: { width: 1024, height: 600 }, lang: 'fr', label: 'gates-small-fr' },
  { size: { width: 1280, height: 800 }, lang: 'en', label: 'gates-large-en' },
  { size: { width: 1280, height: 800 }, lang: 'fr', label: 'gates-large-fr' },
] as const;

describe.skipIf(!existsSync(CHROMIUM))('setup, who is working and the lock screen in Chromium', () => {
  let browser: Browser;
  let clipDir: string;

  beforeAll(async () => {
    buildUiIfStale();
    clipDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-gates-'));
    const clip = path.join(clipDir, 'camera.y4m');
    writeFileSync(clip, await y4mFromImage(path.join(DEMO_IMAGES, 'bccd-BloodImage_00001.jpg')));
    browser = await launchKiosk(clip);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (clipDir) rmSync(clipDir, { recursive: true, force: true });
  });

  for (const run of RUNS) {
    it(`${run.size.width}x${run.size.height}, ${run.lang}: setup, who is working, idle lock, sign-out`, async () => {
      const daemon = await Daemon.start(FIXTURE_MODELS);
      const kp = await KioskPage.open(browser, daemon.url, run.size, run.label);
      const { page } = kp;
      const shot = async (name: string) => {
        await kp.shot(name);
        expect(await kp.layoutProblems(), name).toEqual([]);
      };
      try {
        await page.goto(`${daemon.url}/`);
        const code = await setUpBox(kp, { lang: run.lang, name: 'Ana', pin: PIN, shot });
        expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(run.lang);
        // The box keeps the language chosen at setup.
        expect((await (await fetch(`${daemon.url}/api/settings`)).json()).language).toBe(run.lang);
        // The code is not shown again.
        expect(await page.locator('[data-recovery-code]').count()).toBe(0);
        await shot('who-is-working');

        await signInAs(kp, 'Ana', PIN);
        await page.locator('[data-list=loaded]').waitFor();
        await shot('signed-in');

        // Idle lock on the new-sample screen: the screen and what was typed come back after signing in.
        await page.locator('[data-action=new-sample]').tap();
        await page.locator('main[data-screen=new]').waitFor();
        for (const ch of 'S77') await page.locator(`ld-keyboard [data-key="${ch}"]`).first().tap();
        await endSessionBehindKiosk(kp);
        await shot('locked');
        // Nothing under the lock screen can be reached.
        expect(await page.locator('main[inert]').count()).toBe(1);
        await signInAs(kp, 'Ana', PIN);
        await page.locator('main[data-screen=new]').waitFor();
        expect(await page.locator('ld-new-sample-screen input[name=reference]').inputValue()).toBe('S77');

        // Signing out from the top bar: "Who is working?" again, and the daemon's session is gone.
        await page.locator('ld-top-bar [data-nav=sign-out]').tap();
        await page.locator('ld-user-screen [data-gate=who]').waitFor();
        const after = (await page.evaluate(async () => (await fetch('/api/setup')).json())) as { session: unknown };
        expect(after.session).toBeNull();
        expect(kp.problems).toEqual([]);
      } finally {
        await kp.close();
        await daemon.dispose();
      }
    }, 120_000);
  }
});

/**
 * The kiosk's gates in e2e tests, by touch: the first-boot setup (language, first supervisor,
 * recovery code, hub and calibration notes) and "Who is working?" (a name tile and the PIN).
 */
import type { Locator, Page } from 'playwright-core';
import type { KioskPage } from './kiosk.ts';

type Tap = (l: Locator) => Promise<void>;
const plainTap: Tap = (l) => l.tap();

async function tapKeys(page: Page, within: string, text: string, tap: Tap): Promise<void> {
  for (const ch of text) await tap(page.locator(`${within} [data-key="${ch}"]`).first());
}

/**
 * Goes through the setup screen in `lang`; `shot` is called on each step (for screenshots).
 * Returns the recovery code it showed.
 */
export async function setUpBox(kp: KioskPage, opts: { lang: 'en' | 'fr'; name: string; pin: string; shot?: (name: string) => Promise<void>; tap?: Tap }): Promise<string> {
  const { page } = kp;
  const tap = opts.tap ?? plainTap;
  const shot = opts.shot ?? (async () => undefined);
  await page.locator('ld-setup-screen [data-step=language]').waitFor();
  await tap(page.locator(`ld-setup-screen [data-lang=${opts.lang}]`));
  await page.locator(`ld-setup-screen [data-lang=${opts.lang}][aria-pressed=true]`).waitFor();
  await shot('setup-language');
  await tap(page.locator('ld-setup-screen [data-action=next]'));
  await page.locator('ld-setup-screen [data-step=supervisor]').waitFor();
  await tapKeys(page, 'ld-user-form ld-keyboard', opts.name.toUpperCase(), tap);
  await tap(page.locator('ld-user-form ld-keyboard [data-key=ok]'));
  await tapKeys(page, 'ld-user-form ld-keypad', opts.pin, tap);
  await shot('setup-supervisor');
  await tap(page.locator('ld-setup-screen [data-action=create-user]'));
  const codeBox = page.locator('ld-setup-screen [data-recovery-code]');
  await codeBox.waitFor();
  const code = (await codeBox.innerText()).trim();
  await shot('setup-recovery-code');
  if (!(await page.locator('ld-setup-screen [data-action=next]').isDisabled())) throw new Error('Next was possible before the code was written down');
  await tap(page.locator('ld-setup-screen [data-action=written-down]'));
  await tap(page.locator('ld-setup-screen [data-action=next]'));
  await page.locator('ld-setup-screen [data-step=finish]').waitFor();
  await shot('setup-finish');
  await tap(page.locator('ld-setup-screen [data-action=finish]'));
  await page.locator('ld-user-screen [data-gate=who]').waitFor();
  return code;
}

/** On "Who is working?": taps the person's name, their PIN and Start; waits until the kiosk is open. */
export async function signInAs(kp: KioskPage, name: string, pin: string, opts: { tap?: Tap; beforeOk?: () => Promise<void> } = {}): Promise<void> {
  const { page } = kp;
  const tap = opts.tap ?? plainTap;
  await page.locator('ld-user-screen [data-gate=who]').waitFor();
  await tap(page.locator('ld-user-screen .tile[data-user]').filter({ hasText: name }));
  await tapKeys(page, 'ld-user-screen ld-keypad', pin, tap);
  await opts.beforeOk?.();
  await tap(page.locator('ld-user-screen ld-pin-pad [data-key=ok]'));
  await page.locator('ld-user-screen').waitFor({ state: 'detached' });
  await page.locator('ld-top-bar [data-signed-in]').filter({ hasText: name }).waitFor();
}

/** Sets a box up through the API (a run that does not show the setup): first supervisor `name`. */
export async function ensureSetUp(base: string, name: string, pin: string): Promise<void> {
  const status = (await (await fetch(`${base}/api/setup`)).json()) as { needed: boolean };
  if (!status.needed) return;
  const res = await fetch(`${base}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ language: 'en', supervisor: { name, pin } }),
  });
  if (!res.ok) throw new Error(`setup: ${res.status} ${await res.text()}`);
}

/**
 * Ends the page's session behind the kiosk's back (as the daemon's idle lock does), then wakes the
 * screen so the kiosk notices at once rather than at its next poll.
 */
export async function endSessionBehindKiosk(kp: KioskPage): Promise<void> {
  await kp.page.evaluate(async () => {
    await fetch('/api/session', { method: 'DELETE' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await kp.page.locator('ld-user-screen [data-locked]').waitFor();
}

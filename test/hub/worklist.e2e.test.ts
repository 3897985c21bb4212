/**
 * Issue 25 items 2 and 3 in Chromium: a haematologist signs in on the hub (by touch on a 1024x768
 * tablet, by keyboard at 1366x768), finds the urgent sample first on the worklist, sees that a
 * colleague has another one open, filters, and signs out. Screenshots go to test-artifacts/hub-review/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, useHubInChromium } from './browser.ts';
import { provisionReviewer } from '../../src/hub/repo/reviewers.ts';
import { image, report } from './fixtures.ts';
import { bearer, putImage, reviewerHeaders } from './helpers.ts';

describe.skipIf(!existsSync(CHROMIUM))('signing in and the worklist in Chromium', () => {
  const ids = { plain: '', urgent: '' };
  const e = useHubInChromium(async (hub) => {
    const img = image();
    await putImage(hub, img);
    for (const [key, attention, reference] of [
      ['plain', [], 'S-PLAIN'],
      ['urgent', [{ type: 'blast', count: 3 }], 'S-BLASTS'],
    ] as const) {
      const r = report({ images: [img.sha256], reference });
      const payload = { ...r, differential: { ...r.differential, attention } };
      expect((await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${r.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload } })).statusCode).toBe(
        200,
      );
      ids[key] = r.sample.id;
    }
    // The plain one waited longer: only its priority puts the urgent one first.
    await hub.db.db
      .updateTable('samples')
      .set({ updated_at: new Date(Date.now() - 3 * 3_600_000).toISOString() })
      .where('id', '=', ids.plain)
      .execute();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  /** Nothing wider than the screen (no sideways scrolling on the tablet). */
  const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  const rows = (page: Page) => page.locator('tbody tr a[href^="/review/samples/"]').allTextContents();

  it('signs in by touch on a tablet, lists the urgent sample first, filters, and signs out', async () => {
    const context = await e.browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${e.base}/review/samples/${ids.plain}`);
    expect(page.url()).toContain('/review/login?next=');
    await page.locator('input[name=login]').tap();
    await page.keyboard.type(e.hub.reviewer.login);
    await page.locator('input[name=password]').tap();
    await page.keyboard.type('wrong');
    await page.locator('button[type=submit]').tap();
    await expect.poll(() => page.locator('[role=alert]').textContent()).toBe('Wrong login or password.');
    // The login is kept; the password is typed again.
    expect(await page.locator('input[name=login]').inputValue()).toBe(e.hub.reviewer.login);
    await shot(page, 'sign-in-wrong-1024');
    await page.locator('input[name=password]').tap();
    await page.keyboard.type(e.hub.reviewer.password);
    await Promise.all([page.waitForURL(`${e.base}/review/samples/${ids.plain}`), page.locator('button[type=submit]').tap()]);

    await page.goto(`${e.base}/review`);
    expect(await rows(page)).toEqual(['S-BLASTS', 'S-PLAIN']);
    expect(await page.locator('tbody tr').first().textContent()).toContain('urgent');
    expect(await fits(page)).toBe(true);
    await shot(page, 'worklist-1024');
    await Promise.all([page.waitForURL(/status=reviewed/), page.getByRole('link', { name: 'Reviewed', exact: true }).tap()]);
    expect(await rows(page)).toEqual([]);

    await Promise.all([page.waitForURL(/\/review\/login\?signed_out=1/), page.getByRole('button', { name: 'Sign out' }).tap()]);
    expect(await page.locator('[role=alert]').textContent()).toBe('Signed out.');
    await shot(page, 'signed-out-1024');
    // Back does not open the list again: the session ended at the e.hub.
    await page.goto(`${e.base}/review`);
    expect(page.url()).toContain('/review/login');
    await context.close();
  }, 60_000);

  it('signs in from the keyboard at 1366x768 and shows who else has a sample open', async () => {
    const { password } = await provisionReviewer(e.hub.db.db, { login: 'ben', name: 'Dr Ben', clinicId: 'c1' }, new Date().toISOString());
    // Ben opens the urgent sample.
    expect((await e.hub.app.inject({ method: 'GET', url: `/review/samples/${ids.urgent}`, headers: await reviewerHeaders(e.hub, 'ben', password) })).statusCode).toBe(200);
    const context = await e.browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(`${e.base}/review`);
    // The sign-in page opens with the login field focused: typing starts there.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('login');
    await page.keyboard.type(e.hub.reviewer.login);
    await page.keyboard.press('Tab');
    await page.keyboard.type(e.hub.reviewer.password);
    await Promise.all([page.waitForURL(`${e.base}/review`), page.keyboard.press('Enter')]);
    const urgent = page.locator('tbody tr').filter({ hasText: 'S-BLASTS' });
    expect(await urgent.textContent()).toContain('being reviewed by Dr Ben');
    expect(await fits(page)).toBe(true);
    await shot(page, 'worklist-1366');
    await page.goto(`${e.base}/review/samples/${ids.urgent}`);
    expect(await page.getByText('Dr Ben opened this sample').count()).toBe(1);
    await shot(page, 'sample-open-by-other-1366');
    await context.close();
  }, 60_000);
});

/**
 * Headless Chromium as the kiosk runs it, through playwright-core: the fake camera fed a smear clip,
 * and guards that fail the run on a console error, an uncaught exception or a request that leaves
 * the box. Screenshots go to test-artifacts/ui/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../helpers/paths.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');

export function launchKiosk(cameraClip: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${cameraClip}`,
    ],
  });
}

export interface Size {
  width: number;
  height: number;
}

export class KioskPage {
  readonly problems: string[] = [];
  /** Set while the daemon is down on purpose: failed requests to it are expected then. */
  daemonDown = false;
  private shots = 0;
  private readonly started = performance.now();

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly base: string,
    readonly label: string,
  ) {
    page.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      if (this.daemonDown && /ERR_CONNECTION_REFUSED|Failed to load resource|net::ERR/.test(m.text())) return;
      this.problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.problems.push(`uncaught: ${e.message}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(`${base}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) this.problems.push(`request off the box: ${url}`);
    });
  }

  static async open(browser: Browser, base: string, viewport: Size, label: string): Promise<KioskPage> {
    // A touchscreen, as the box has: a test can tap (touch events) as well as click.
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, hasTouch: true });
    return new KioskPage(context, await context.newPage(), base, label);
  }

  async shot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${this.label}-${String(++this.shots).padStart(2, '0')}-${name}.png`);
    // Let images decode and fonts settle.
    await this.page.waitForTimeout(150);
    await this.page.screenshot({ path: file });
    if (process.env.LEUKODIFF_UI_TRACE) console.log(`${((performance.now() - this.started) / 1000).toFixed(1)} s  ${path.basename(file)}`);
    return file;
  }

  /**
   * Visible controls smaller than a gloved fingertip (48 px) or reaching past the screen's right
   * edge, and scrolling areas whose content is too wide for them (a table cut on the right).
   */
  async layoutProblems(): Promise<string[]> {
    return this.page.evaluate(() => {
      const out: string[] = [];
      const visit = (root: Document | ShadowRoot) => {
        for (const el of root.querySelectorAll<HTMLElement>('*')) {
          if (el.shadowRoot) visit(el.shadowRoot);
          const overflowX = getComputedStyle(el).overflowX;
          if ((overflowX === 'auto' || overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
            out.push(`scrolls sideways (${el.scrollWidth} > ${el.clientWidth}): ${el.localName}.${el.className}`);
          }
          if (!el.matches('button, a[href], input:not([type=hidden]), select, [role=button]') || el.hidden) continue;
          const r = el.getBoundingClientRect();
          if (!r.width || !r.height) continue;
          const name = `${el.localName}${el.dataset.key ? `[key=${el.dataset.key}]` : ''}${el.dataset.action ? `[${el.dataset.action}]` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
          if (r.width < 47.5 || r.height < 47.5) out.push(`too small ${Math.round(r.width)}x${Math.round(r.height)}: ${name}`);
          if (r.right > innerWidth + 1) out.push(`past the right edge (${Math.round(r.right)} > ${innerWidth}): ${name}`);
        }
      };
      visit(document);
      return out;
    });
  }

  async route(): Promise<string> {
    return this.page.evaluate(() => location.hash);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

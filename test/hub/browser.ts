/** What the hub's Chromium e2e tests share: the browser as the probe starts it, a listening test hub, and where screenshots go. */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from '../helpers/paths.ts';
import { afterAll, beforeAll } from 'vitest';
import { testHub, type TestHub } from './helpers.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'hub-review');

/** Headless Chromium without the background requests that a closed network refuses; the screenshot folder made. */
function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The hub listening on a free port of the loopback; its base address. */
async function listening(hub: TestHub): Promise<string> {
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
}

export interface HubInChromium {
  hub: TestHub;
  browser: Browser;
  base: string;
}

/**
 * In the calling describe: a fresh SQLite test hub (`seed` runs before it listens) and Chromium,
 * closed after. Read them from the returned object inside the tests.
 */
export function useHubInChromium(seed?: (hub: TestHub) => Promise<void>): HubInChromium {
  const e = {} as HubInChromium;
  beforeAll(async () => {
    e.hub = await testHub('sqlite');
    await seed?.(e.hub);
    e.base = await listening(e.hub);
    e.browser = await launchChromium();
  });
  afterAll(async () => {
    await e.browser?.close();
    await e.hub?.close();
  });
  return e;
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/box/config.ts';
import { SyncService, SyncSetupError } from '../../../src/box/sync/service.ts';
import { tempContext } from '../../helpers/store.ts';
import { silentLogger } from '../../../src/server-common/logging.ts';

const log = silentLogger();

describe('sync configuration', () => {
  it('reads the hub settings from the environment and validates them', () => {
    const c = loadConfig({
      LEUKODIFF_HUB_URL: 'https://hub.example:8443/',
      LEUKODIFF_HUB_TOKEN: 'ld1.abc.defghijklmnopqrstuvwxyz',
      LEUKODIFF_SYNC_BACKOFF_CAP_MS: '600000',
      LEUKODIFF_SYNC_MAX_REQUEST_BYTES: '65536',
    });
    expect(c).toMatchObject({ hubUrl: 'https://hub.example:8443', hubToken: 'ld1.abc.defghijklmnopqrstuvwxyz', syncBackoffCapMs: 600_000, syncMaxRequestBytes: 65_536 });
    expect(() => loadConfig({ LEUKODIFF_SYNC_MAX_REQUEST_BYTES: '100' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEUKODIFF_SYNC_PROBE_MS: 'often' })).toThrow(/syncProbeMs/);
  });

  it('never repeats a bad token in its error message', () => {
    const secret = 'ld1.x.sec ret with spaces';
    try {
      loadConfig({ LEUKODIFF_HUB_TOKEN: secret });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/hubToken/);
      expect((err as Error).message).not.toContain('sec ret');
    }
  });

  it('is off, and says why, without a hub address or a token; reads a token file; refuses an unreadable one', async () => {
    const t = tempContext();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-tok-'));
    try {
      expect(new SyncService(t.ctx, loadConfig({}), log).status()).toMatchObject({ enabled: false, state: 'disabled', reason: expect.stringContaining('LEUKODIFF_HUB_URL') });
      expect(new SyncService(t.ctx, loadConfig({ LEUKODIFF_HUB_URL: 'http://127.0.0.1:1' }), log).status().reason).toMatch(/token/);
      const file = path.join(dir, 'token');
      writeFileSync(file, 'ld1.00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n', { mode: 0o600 });
      const s = new SyncService(t.ctx, loadConfig({ LEUKODIFF_HUB_URL: 'http://127.0.0.1:1', LEUKODIFF_HUB_TOKEN_FILE: file }), log);
      expect(s.status()).toMatchObject({ enabled: true, hub: 'http://127.0.0.1:1', backlog: { pending: 0, setAside: 0 } });
      await s.stop();
      expect(() => new SyncService(t.ctx, loadConfig({ LEUKODIFF_HUB_URL: 'http://127.0.0.1:1', LEUKODIFF_HUB_TOKEN_FILE: path.join(dir, 'nope') }), log)).toThrow(SyncSetupError);
    } finally {
      t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

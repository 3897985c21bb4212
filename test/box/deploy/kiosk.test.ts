// The kiosk on a box without a display: one clear line and an exit code the unit does not restart on
// (found by scripts/verify-systemd: the unit restarted every 2 s forever).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.ts';

let tmp: string;

function kiosk(dev: string, ...args: string[]): { status: number | null; err: string } {
  // No browser on this PATH: past the display check, the script stops at the browser lookup.
  const r = spawnSync('/bin/bash', [path.join(ROOT, 'scripts/kiosk.sh'), ...args], { encoding: 'utf8', env: { PATH: '/nonexistent', HOME: tmp, LEUKODIFF_KIOSK_DEV: dev } });
  return { status: r.status, err: r.stderr };
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ld-kiosk-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kiosk without a display', () => {
  it('exits 78 with a message when there is no DRM card and no framebuffer', () => {
    mkdirSync(path.join(tmp, 'none'));
    const r = kiosk(path.join(tmp, 'none'));
    expect(r.status).toBe(78);
    expect(r.err).toMatch(/^leukodiff kiosk: no display found .*systemctl restart leukodiff-kiosk/);
  });

  it("--check-display (the unit's ExecCondition): exit 1 and the message without a display, 0 with one", () => {
    const none = kiosk(path.join(tmp, 'none'), '--check-display');
    expect(none.status).toBe(1);
    expect(none.err).toMatch(/^leukodiff kiosk: no display found/);
    mkdirSync(path.join(tmp, 'drm1', 'dri'), { recursive: true });
    writeFileSync(path.join(tmp, 'drm1', 'dri', 'card1'), '');
    expect(kiosk(path.join(tmp, 'drm1'), '--check-display')).toEqual({ status: 0, err: '' });
  });

  it('goes on when a DRM card or a framebuffer is there', () => {
    mkdirSync(path.join(tmp, 'drm', 'dri'), { recursive: true });
    writeFileSync(path.join(tmp, 'drm', 'dri', 'card0'), '');
    mkdirSync(path.join(tmp, 'fb'));
    writeFileSync(path.join(tmp, 'fb', 'fb0'), '');
    for (const dev of ['drm', 'fb']) {
      const r = kiosk(path.join(tmp, dev));
      expect(r.status).toBe(1);
      expect(r.err).toMatch(/no Chromium found/);
    }
  });

  it('the unit checks for a display first and does not restart on exit 78', () => {
    const unit = readFileSync(path.join(ROOT, 'systemd/leukodiff-kiosk.service'), 'utf8');
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=78$/m);
    // Checked before the PAM session (which fails too on a seat without a display), as root.
    expect(unit).toMatch(/^ExecCondition=\+\/opt\/leukodiff\/current\/scripts\/kiosk\.sh --check-display$/m);
  });
});

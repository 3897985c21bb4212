import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.ts';

const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
const hasSystemctl = spawnSync('systemctl', ['--version']).status === 0;
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

let tmp: string;
let dest: string;
let stubs: string;
let touched: string;

/**
 * Commands that would change the real system are replaced by stubs that log and fail: the
 * installer in DESTDIR mode must not call them. systemctl passes through only with --root=.
 */
function makeStubs(): void {
  mkdirSync(stubs, { recursive: true });
  for (const cmd of ['apt-get', 'useradd', 'groupadd', 'usermod', 'userdel', 'systemd-sysusers', 'chown', 'chgrp', 'npm', 'runuser', 'udevadm']) {
    writeFileSync(path.join(stubs, cmd), `#!/bin/sh\necho "${cmd} $*" >> "${touched}"\nexit 1\n`);
    chmodSync(path.join(stubs, cmd), 0o755);
  }
  const real = spawnSync('sh', ['-c', 'command -v systemctl']).stdout.toString().trim();
  writeFileSync(path.join(stubs, 'systemctl'), `#!/bin/sh\ncase "$1" in --root=*) exec ${real || 'false'} "$@";; esac\necho "systemctl $*" >> "${touched}"\nexit 1\n`);
  chmodSync(path.join(stubs, 'systemctl'), 0o755);
}

function install(...args: string[]): { status: number; out: string } {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/install'), '--destdir', dest, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, DESTDIR: '' },
  });
  return { status: r.status ?? -1, out: r.stdout + r.stderr };
}

const at = (p: string) => path.join(dest, p);
const mode = (p: string) => statSync(at(p)).mode & 0o7777;

/** Every path under the root with type, mode, size and link target. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = lstatSync(p);
      const rel = path.relative(dir, p);
      out.push(`${rel} ${(st.mode & 0o7777).toString(8)} ${st.isSymbolicLink() ? '-> ' + readlinkSync(p) : st.isDirectory() ? 'dir' : st.size}`);
      if (st.isDirectory() && !st.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return out;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ld-install-'));
  dest = path.join(tmp, 'root');
  stubs = path.join(tmp, 'stubs');
  touched = path.join(tmp, 'touched.log');
  makeStubs();
  // The checkout's own node_modules, linked rather than copied: the installed CLI really runs.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'));
  writeFileSync(path.join(tmp, 'net.pub'), '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('scripts/install into a temporary root', () => {
  let first: string[];

  it('installs the app side by side, the launcher, users as sysusers, folders, units and their enablement', () => {
    const r = install('--node-modules', path.join(tmp, 'node_modules'), '--pubkey', path.join(tmp, 'net.pub'));
    expect(r.status, r.out).toBe(0);
    expect(existsSync(touched) ? readFileSync(touched, 'utf8') : '').toBe('');

    expect(readlinkSync(at('opt/leukodiff/current'))).toBe(`releases/${VERSION}`);
    const rel = `opt/leukodiff/releases/${VERSION}`;
    for (const f of ['package.json', 'bin/leukodiff.mjs', 'src/cli/main.ts', 'scripts/kiosk.sh', 'scripts/wait-health.sh']) expect(existsSync(at(`${rel}/${f}`)), f).toBe(true);
    expect(existsSync(at(`${rel}/native/build`))).toBe(false);
    expect(readlinkSync(at(`${rel}/models/engines`))).toBe('/var/cache/leukodiff/engines');
    expect(JSON.parse(readFileSync(at(`${rel}/.leukodiff-release.json`), 'utf8')).version).toBe(VERSION);
    expect(mode(`${rel}/scripts/kiosk.sh`)).toBe(0o755);
    expect(mode(`${rel}/src/cli/main.ts`)).toBe(0o644);
    expect(mode('opt/leukodiff/bin/leukodiff')).toBe(0o755);
    expect(readlinkSync(at('usr/local/bin/leukodiff'))).toBe('/opt/leukodiff/bin/leukodiff');

    const sysusers = readFileSync(at('usr/lib/sysusers.d/leukodiff.conf'), 'utf8');
    expect(sysusers).toMatch(/^u leukodiff\s+-\s+"[^"]+"\s+\/var\/lib\/leukodiff\s+\/usr\/sbin\/nologin$/m);
    expect(sysusers).toMatch(/^u leukodiff-kiosk\s/m);
    for (const g of ['video', 'render']) expect(sysusers).toMatch(new RegExp(`^m leukodiff ${g}$`, 'm'));
    expect(sysusers).toMatch(/^m leukodiff-kiosk input$/m);

    expect(mode('var/lib/leukodiff')).toBe(0o700);
    for (const d of ['var/lib/leukodiff/updates/incoming', 'var/cache/leukodiff/engines', 'var/backups/leukodiff']) expect(mode(d), d).toBe(0o750);
    expect(mode('etc/leukodiff/leukodiff.env')).toBe(0o640);
    expect(mode('etc/leukodiff/bundle-signing.pub')).toBe(0o644);
    for (const u of [
      'leukodiff.service',
      'leukodiff-engines.service',
      'leukodiff-kiosk.service',
      'leukodiff-backup.service',
      'leukodiff-backup.timer',
      'leukodiff-update.path',
      'leukodiff-update.service',
    ]) {
      expect(mode(`etc/systemd/system/${u}`), u).toBe(0o644);
    }
    expect(existsSync(at('etc/pam.d/leukodiff-kiosk'))).toBe(true);
    expect(readFileSync(at('etc/udev/rules.d/99-leukodiff-usb.rules'), 'utf8')).toMatch(/systemd-mount .*uid=leukodiff.* \$devnode \/media\/leukodiff-usb/);
    expect(JSON.parse(readFileSync(at('etc/chromium/policies/managed/leukodiff.json'), 'utf8')).VideoCaptureAllowedUrls).toContain('http://127.0.0.1:8080');

    if (hasSystemctl) {
      for (const link of [
        'multi-user.target.wants/leukodiff.service',
        'timers.target.wants/leukodiff-backup.timer',
        'multi-user.target.wants/leukodiff-update.path',
        'leukodiff.service.wants/leukodiff-kiosk.service',
        'graphical.target.wants/leukodiff-kiosk.service',
      ]) {
        expect(lstatSync(at(`etc/systemd/system/${link}`)).isSymbolicLink(), link).toBe(true);
      }
    }
    // What it would do to the real system is written down instead.
    const plan = readFileSync(at('opt/leukodiff/install-plan.txt'), 'utf8');
    expect(plan).toMatch(/apt-get install .*build-essential.*python3.*cage.*chromium/);
    expect(plan).toContain('systemd-sysusers /usr/lib/sysusers.d/leukodiff.conf');
    expect(plan).toContain('chown -R leukodiff:leukodiff /var/lib/leukodiff');
    expect(plan).toContain('systemctl restart leukodiff.service');
    expect(plan).not.toMatch(/useradd/);
    first = snapshot(dest);
  });

  it('gives a working `leukodiff` command through the launcher and the current release', () => {
    const out = execFileSync(at('opt/leukodiff/bin/leukodiff'), ['--help'], { encoding: 'utf8' });
    expect(out).toMatch(/usage: leukodiff <command>/);
    expect(out).toMatch(/apply-bundle/);
  });

  it('gives the command the box defaults: site settings, unless the caller set them', () => {
    const envFile = path.join(tmp, 'site.env');
    writeFileSync(envFile, `# site\nLEUKODIFF_DATA=${path.join(tmp, 'boxdata')}\nnot a setting\n`);
    const run = (env: Record<string, string>) =>
      execFileSync(at('opt/leukodiff/bin/leukodiff'), ['migrate'], { encoding: 'utf8', env: { PATH: process.env.PATH!, LEUKODIFF_ENV_FILE: envFile, ...env } });
    expect(run({})).toContain(path.join(tmp, 'boxdata', 'leukodiff.db'));
    expect(run({ LEUKODIFF_DATA: path.join(tmp, 'mine') })).toContain(path.join(tmp, 'mine', 'leukodiff.db'));
  });

  it("is idempotent and keeps the technician's settings", () => {
    writeFileSync(at('etc/leukodiff/leukodiff.env'), 'LEUKODIFF_HUB_URL=https://hub.clinic.example\n');
    chmodSync(at('etc/leukodiff/leukodiff.env'), 0o640);
    const edited = snapshot(dest);
    const r = install('--node-modules', path.join(tmp, 'node_modules'), '--pubkey', path.join(tmp, 'net.pub'));
    expect(r.status, r.out).toBe(0);
    expect(snapshot(dest)).toEqual(edited);
    expect(readFileSync(at('etc/leukodiff/leukodiff.env'), 'utf8')).toBe('LEUKODIFF_HUB_URL=https://hub.clinic.example\n');
    expect(edited.filter((l) => !l.startsWith('etc/leukodiff/leukodiff.env'))).toEqual(first.filter((l) => !l.startsWith('etc/leukodiff/leukodiff.env')));
  });

  it.skipIf(!hasAnalyze)('installs units that pass systemd-analyze verify, with no warning', () => {
    const units = path.join(tmp, 'units');
    mkdirSync(units, { recursive: true });
    const names = readdirSync(at('etc/systemd/system')).filter((n) => /\.(service|timer|path)$/.test(n));
    // Every unit of the repository is installed.
    expect(names.sort()).toEqual(
      readdirSync(path.join(ROOT, 'systemd'))
        .filter((n) => /\.(service|timer|path)$/.test(n))
        .sort(),
    );
    // Checked against the temporary root: ExecStart= paths must exist and be executable there.
    for (const n of names) writeFileSync(path.join(units, n), readFileSync(at(`etc/systemd/system/${n}`), 'utf8').replaceAll('/opt/leukodiff', at('opt/leukodiff')));
    const r = spawnSync('systemd-analyze', ['verify', ...names.map((n) => path.join(units, n))], { encoding: 'utf8' });
    const ours = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('leukodiff'));
    expect(ours).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('refuses bad options without touching anything', () => {
    const r = install('--frobnicate');
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/unknown option '--frobnicate'/);
    expect(install('--pubkey', path.join(tmp, 'touched-nothing')).status).toBe(2);
    expect(install('--purge').status).toBe(2);
    expect(snapshot(dest).length).toBeGreaterThan(0);
  });

  it('uninstalls keeping data, backups, settings and users; --purge removes them', () => {
    writeFileSync(at('var/lib/leukodiff/leukodiff.db'), 'data');
    writeFileSync(at('var/backups/leukodiff/keep'), 'backup');
    const r = install('--uninstall');
    expect(r.status, r.out).toBe(0);
    expect(existsSync(at('opt/leukodiff'))).toBe(false);
    expect(existsSync(at('usr/local/bin/leukodiff'))).toBe(false);
    expect(existsSync(at('etc/udev/rules.d/99-leukodiff-usb.rules'))).toBe(false);
    expect(readdirSync(at('etc/systemd/system')).filter((n) => n.includes('leukodiff'))).toEqual(hasSystemctl ? [] : expect.anything());
    if (hasSystemctl) expect(existsSync(at('etc/systemd/system/multi-user.target.wants/leukodiff.service'))).toBe(false);
    expect(readFileSync(at('var/lib/leukodiff/leukodiff.db'), 'utf8')).toBe('data');
    expect(existsSync(at('var/backups/leukodiff/keep'))).toBe(true);
    expect(existsSync(at('etc/leukodiff/leukodiff.env'))).toBe(true);
    expect(existsSync(at('usr/lib/sysusers.d/leukodiff.conf'))).toBe(true);

    const p = install('--uninstall', '--purge');
    expect(p.status, p.out).toBe(0);
    for (const gone of ['var/lib/leukodiff', 'var/backups/leukodiff', 'etc/leukodiff', 'usr/lib/sysusers.d/leukodiff.conf', 'home/leukodiff-kiosk']) expect(existsSync(at(gone)), gone).toBe(false);
    expect(readFileSync(at('leukodiff-uninstall-plan.txt'), 'utf8')).toMatch(/userdel leukodiff\n/);
    expect(existsSync(touched) ? readFileSync(touched, 'utf8') : '').toBe('');
  });

  it('installs a headless box without the kiosk', () => {
    const r = install('--no-kiosk', '--node-modules', path.join(tmp, 'node_modules'));
    expect(r.status, r.out).toBe(0);
    expect(existsSync(at('etc/systemd/system/leukodiff.service'))).toBe(true);
    expect(existsSync(at('etc/systemd/system/leukodiff-kiosk.service'))).toBe(false);
    expect(existsSync(at('etc/pam.d/leukodiff-kiosk'))).toBe(false);
    expect(readFileSync(at('opt/leukodiff/install-plan.txt'), 'utf8')).not.toMatch(/chromium|cage/);
  });
});

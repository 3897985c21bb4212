// Hardening of the units that use the GPU must not turn the device policy into an allow-list:
// the GPU (/dev/nvhost-*, /dev/nvmap, /dev/nvidia*, /dev/dri/renderD*) is reached through the
// video/render groups. ProtectClock=yes implies DeviceAllow=char-rtc r, which before systemd 252
// (JetPack's Ubuntu 20.04/22.04: 245/249) shut out every other device (systemd issue 18142).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.ts';

const unit = (name: string) => readFileSync(path.join(ROOT, 'systemd', name), 'utf8');

describe('GPU units keep device access', () => {
  for (const name of ['leukodiff.service', 'leukodiff-engines.service']) {
    it(`${name}: no implicit or explicit device allow-list`, () => {
      const text = unit(name);
      for (const setting of ['ProtectClock=yes', 'ProtectClock=true', 'PrivateDevices=yes', 'PrivateDevices=true', 'DeviceAllow=', 'DevicePolicy=']) {
        expect(text.split('\n').filter((l) => l.startsWith(setting))).toEqual([]);
      }
    });
  }

  it('leukodiff.service still cannot set the clock', () => {
    expect(unit('leukodiff.service')).toMatch(/^SystemCallFilter=~@clock$/m);
    expect(unit('leukodiff.service')).toMatch(/^CapabilityBoundingSet=$/m);
  });

  it('leukodiff.service recovers a model set switch cut short, as root, before the daemon and never in its way', () => {
    expect(unit('leukodiff.service')).toMatch(/^ExecStartPre=-\+\/opt\/leukodiff\/bin\/leukodiff apply-model-bundle --recover --root \/opt\/leukodiff$/m);
  });
});

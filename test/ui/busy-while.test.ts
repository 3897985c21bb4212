/** How a screen runs the nurse's action (ui/src/logic/busy-while.ts): busy while it runs, a failure to the shell. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../ui/src/api/client.ts';
import { en } from '../../ui/src/i18n/en.ts';
import { describeError } from '../../ui/src/i18n/errors.ts';
import { I18n } from '../../ui/src/i18n/i18n.ts';
import { busyWhile, type BusyHost } from '../../ui/src/logic/busy-while.ts';

function host(): BusyHost & { failures: unknown[] } {
  const failures: unknown[] = [];
  return { busy: false, failures, fail: (err) => failures.push(err) };
}

/** A promise and the function that settles it, to look at the host while the action runs. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('busyWhile', () => {
  it('is busy while the action runs and not after it succeeds, reporting nothing', async () => {
    const h = host();
    const d = deferred();
    const run = busyWhile(h, () => d.promise);
    expect(h.busy).toBe(true);
    d.resolve();
    await run;
    expect(h.busy).toBe(false);
    expect(h.failures).toEqual([]);
  });

  it('hands a failure, unchanged, to the host (the shell words it) and is no longer busy', async () => {
    const h = host();
    const d = deferred();
    const err = new ApiError(409, 'already_signed', 'Sample already signed');
    const run = busyWhile(h, () => d.promise);
    expect(h.busy).toBe(true);
    d.reject(err);
    await expect(run).resolves.toBeUndefined();
    expect(h.busy).toBe(false);
    expect(h.failures).toEqual([err]);
  });

  it('gives the shell what it words as before: the catalogue text of the API code, or the offline message', async () => {
    const i18n = new I18n('en');
    const shown: string[] = [];
    // What KioskElement.fail and the shell's ld-error listener do together.
    const h: BusyHost = { busy: false, fail: (err) => shown.push(describeError(i18n, err)) };
    await busyWhile(h, () => Promise.reject(new ApiError(409, 'already_signed', 'Sample already signed')));
    await busyWhile(h, () => Promise.reject(new TypeError('Failed to fetch')));
    expect(shown).toEqual([en['error.already_signed'], en['error.offline']]);
  });

  it('catches an action that throws before its first await', async () => {
    const h = host();
    const err = new Error('Only a supervisor can do this.');
    await busyWhile(h, async () => {
      throw err;
    });
    expect(h.failures).toEqual([err]);
    expect(h.busy).toBe(false);
  });

  it('does not refuse a second action while one runs (the screens disable their controls instead)', async () => {
    const h = host();
    const first = deferred();
    let secondRan = false;
    const a = busyWhile(h, () => first.promise);
    await busyWhile(h, async () => {
      secondRan = true;
    });
    expect(secondRan).toBe(true);
    first.resolve();
    await a;
    expect(h.busy).toBe(false);
  });
});

/**
 * How a screen runs what the nurse asked for: `busy` while it runs (its buttons disable, its sheet
 * dims), a failure handed to the host's `fail`, which sends it to the shell to be told in the
 * nurse's language (i18n/errors.ts `describeError`), and `busy` cleared however it ends.
 * A second action is not refused while one runs: the screens disable their controls instead.
 */
/** A screen passes itself: its `busy` state and KioskElement's `fail` are public for this. */
export interface BusyHost {
  busy: boolean;
  fail(err: unknown): void;
}

export async function busyWhile(host: BusyHost, action: () => Promise<unknown>): Promise<void> {
  host.busy = true;
  try {
    await action();
  } catch (err) {
    host.fail(err);
  } finally {
    host.busy = false;
  }
}

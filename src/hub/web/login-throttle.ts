/**
 * Slows password guessing on the reviewer pages, per login and across all logins. Checks of one
 * login run one at a time, so a guess is counted before the next one is evaluated (parallel
 * guesses cannot slip past the count). After FREE_FAILURES wrong passwords a login waits before its
 * next check, doubling from 1 s to 15 min; a right password clears it. Across logins, more than
 * GLOBAL_FAILURES wrong passwords within GLOBAL_WINDOW_MS make every check wait, with the same
 * growth. A waiting attempt is not evaluated: it gets 429 with Retry-After. State is per hub
 * process (a restart or a second process starts afresh; the delays still bound each one).
 */
export const FREE_FAILURES = 5;
export const GLOBAL_FAILURES = 50;
export const GLOBAL_WINDOW_MS = 60_000;
const MAX_DELAY_MS = 15 * 60_000;
/** Logins remembered; the quietest are forgotten first, so random logins cannot exhaust memory. */
const MAX_TRACKED = 10_000;

interface LoginState {
  failures: number;
  /** No check of this login before this time (ms). */
  until: number;
  /** The check in progress, which the next one waits for. */
  queue: Promise<unknown>;
}

export type Checked<T> = { kind: 'checked'; value: T } | { kind: 'wait'; retryAfterS: number };

const delayAfter = (excess: number) => Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.max(0, excess - 1));

export class LoginThrottle {
  private readonly logins = new Map<string, LoginState>();
  private globalFailures: number[] = [];
  private globalUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Runs `check` (the password comparison: a value, or null when wrong) unless the login or the
   * hub must wait; records the outcome before the next check of this login starts.
   */
  async attempt<T>(login: string, check: () => Promise<T | null>): Promise<Checked<T | null>> {
    const state = this.state(login);
    const run = state.queue.then(async (): Promise<Checked<T | null>> => {
      const now = this.now();
      const until = Math.max(state.until, this.globalUntil);
      if (now < until) return { kind: 'wait', retryAfterS: Math.ceil((until - now) / 1000) };
      const value = await check();
      if (value === null) this.fail(state);
      else {
        state.failures = 0;
        state.until = 0;
      }
      return { kind: 'checked', value };
    });
    state.queue = run.catch(() => undefined);
    return run;
  }

  private fail(state: LoginState): void {
    const now = this.now();
    state.failures++;
    if (state.failures >= FREE_FAILURES) state.until = now + delayAfter(state.failures - FREE_FAILURES + 1);
    this.globalFailures = this.globalFailures.filter((t) => t > now - GLOBAL_WINDOW_MS);
    this.globalFailures.push(now);
    const excess = this.globalFailures.length - GLOBAL_FAILURES;
    if (excess > 0) this.globalUntil = now + delayAfter(excess);
  }

  private state(login: string): LoginState {
    let s = this.logins.get(login);
    if (s) {
      // Re-inserted: the map's order is then least recently used first.
      this.logins.delete(login);
    } else {
      s = { failures: 0, until: 0, queue: Promise.resolve() };
      if (this.logins.size >= MAX_TRACKED) this.logins.delete(this.logins.keys().next().value!);
    }
    this.logins.set(login, s);
    return s;
  }
}

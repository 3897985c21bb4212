/**
 * Checks a user's PIN (signing in, sign-off, settings, users). Defences against guessing:
 * - checks of one user run one at a time (a per-user mutex), so every wrong PIN is counted before
 *   the next guess is evaluated, whatever address or route the guesses come from;
 * - the first 5 wrong PINs in a row cost nothing; from the 5th on, each further try must wait a
 *   growing delay (30 s, 1 min, 2 min ... at most 15 min; 429 with Retry-After), so guessing is
 *   slowed to a crawl but the clinic is never locked out for long; the count is in the database,
 *   so restarting the box does not reset it;
 * - a box-wide budget: at most 20 wrong PINs in 10 minutes across all users, then every PIN check
 *   waits until the window frees up (guessing spread over many users gains nothing).
 * The technician's recovery code clears all of it (workflow/setup.ts).
 */
import type { Credentials } from '../../contracts/api/people.ts';
import type { Store } from '../store/store.ts';
import type { Role, UserWithSecret } from '../store/types.ts';
import { WorkflowError } from './errors.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { verifyPin } from './pin.ts';

export const FREE_WRONG_PINS = 5;
const FIRST_DELAY_MS = 30_000;
const MAX_DELAY_MS = 15 * 60_000;

export interface GuessBudget {
  max: number;
  windowMs: number;
}
export const GLOBAL_GUESS_BUDGET: GuessBudget = { max: 20, windowMs: 10 * 60_000 };

/** A user's PIN as the API sends it (src/contracts/api/people.ts). */
export type { Credentials };

/** How long the next try must wait after `failed` wrong PINs in a row (0: no wait). */
export function delayAfter(failed: number): number {
  if (failed < FREE_WRONG_PINS) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (failed - FREE_WRONG_PINS));
}

export class Authenticator {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    private readonly budget: GuessBudget = GLOBAL_GUESS_BUDGET,
  ) {}

  /** The user, when the PIN is theirs and they may act as `role` (a supervisor may act as a nurse). */
  check(cred: Credentials, role: Role): Promise<UserWithSecret> {
    return this.mutex.run(cred.userId, () => this.checkNow(cred, role));
  }

  private async checkNow(cred: Credentials, role: Role): Promise<UserWithSecret> {
    this.refuseIfOverBudget();
    const user = this.store.users.get(cred.userId);
    // A made-up user costs no hash and guesses nothing: it must not spend the box-wide budget and
    // so lock the real users out.
    if (!user || !user.active) throw new WorkflowError('wrong_pin', 'unknown user or wrong PIN', 403);
    const wait = (user.lockedUntil ?? 0) - this.now();
    if (wait > 0) throw delayed(user.name, wait);
    if (!(await verifyPin(cred.pin, user.pinHash))) {
      const failed = user.failedPins + 1;
      const delay = delayAfter(failed);
      this.store.transaction(() => {
        this.store.users.recordWrongPin(user.id, delay ? this.now() + delay : null);
        this.store.security.recordWrongPin(this.now(), user.id);
      });
      if (delay) throw delayed(user.name, delay);
      const left = FREE_WRONG_PINS - failed;
      throw new WorkflowError('wrong_pin', `unknown user or wrong PIN (${left} ${left === 1 ? 'try' : 'tries'} left before each try must wait)`, 403);
    }
    if (user.failedPins > 0) this.store.users.clearWrongPins(user.id);
    if (role === 'supervisor' && user.role !== 'supervisor') {
      throw new WorkflowError('supervisor_required', `${user.name} is not a supervisor: a supervisor's PIN is needed`, 403);
    }
    return user;
  }

  private refuseIfOverBudget(): void {
    const now = this.now();
    const recent = this.store.security.wrongPinsSince(now - this.budget.windowMs);
    if (recent.length < this.budget.max) return;
    const ms = recent[recent.length - this.budget.max]! + this.budget.windowMs - now;
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    throw new WorkflowError('pin_budget', `too many wrong PINs on this box: every PIN check waits ${wording(seconds)} (the technician's recovery code clears this at once)`, 429, {
      'retry-after': String(seconds),
    });
  }
}

function wording(seconds: number): string {
  return seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
}

function delayed(name: string, ms: number): WorkflowError {
  const seconds = Math.ceil(ms / 1000);
  return new WorkflowError('pin_locked', `too many wrong PINs for ${name}: try again in ${wording(seconds)}`, 429, { 'retry-after': String(seconds) });
}

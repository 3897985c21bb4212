/**
 * Checks a user's PIN for an action that needs one (sign-off, settings, users). Five wrong PINs in
 * a row lock the user out for a while (429 with Retry-After), doubling with each further wrong PIN
 * up to an hour; the count is in the database, so restarting the box does not reset it.
 */
import type { Store } from '../store/store.ts';
import type { Role, UserWithSecret } from '../store/types.ts';
import { WorkflowError } from './errors.ts';
import { verifyPin } from './pin.ts';

export const MAX_WRONG_PINS = 5;
const LOCK_MS = 5 * 60 * 1000;
const MAX_LOCK_MS = 60 * 60 * 1000;

export interface Credentials {
  userId: string;
  pin: string;
}

export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user, when the PIN is theirs and they may act as `role` (a supervisor may act as a nurse). */
  async check(cred: Credentials, role: Role): Promise<UserWithSecret> {
    const user = this.store.users.get(cred.userId);
    if (!user || !user.active) throw new WorkflowError('wrong_pin', 'unknown user or wrong PIN', 403);
    this.refuseIfLocked(user);
    const ok = await verifyPin(cred.pin, user.pinHash);
    if (!ok) {
      // Read again: another wrong try may have been counted while scrypt ran.
      const failed = (this.store.users.get(user.id)?.failedPins ?? 0) + 1;
      const lockMs = failed >= MAX_WRONG_PINS ? Math.min(MAX_LOCK_MS, LOCK_MS * 2 ** (failed - MAX_WRONG_PINS)) : 0;
      this.store.users.recordWrongPin(user.id, lockMs ? this.now() + lockMs : null);
      if (lockMs) throw locked(lockMs);
      throw new WorkflowError('wrong_pin', `unknown user or wrong PIN (${MAX_WRONG_PINS - failed} tries left before a lock-out)`, 403);
    }
    if (user.failedPins > 0) this.store.users.clearWrongPins(user.id);
    if (role === 'supervisor' && user.role !== 'supervisor') {
      throw new WorkflowError('supervisor_required', `${user.name} is not a supervisor: a supervisor's PIN is needed`, 403);
    }
    return user;
  }

  private refuseIfLocked(user: UserWithSecret): void {
    const left = (user.lockedUntil ?? 0) - this.now();
    if (left > 0) throw locked(left);
  }
}

function locked(ms: number): WorkflowError {
  const seconds = Math.ceil(ms / 1000);
  return new WorkflowError(
    'pin_locked',
    `too many wrong PINs: try again in ${seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`}`,
    429,
    { 'retry-after': String(seconds) },
  );
}

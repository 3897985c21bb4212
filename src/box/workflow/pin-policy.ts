/**
 * How long a PIN must be: supervisors (who sign results and change settings and users) at least
 * 6 digits, nurses at least 4. Supervisors whose PIN predates this rule keep working; signing in
 * tells them to choose a longer one (`pinChangeRequired`), since locking them out would stop the
 * clinic from signing results.
 */
import type { Role } from '../store/types.ts';
import { badRequest } from './errors.ts';

export const MIN_PIN_LENGTH: Record<Role, number> = { nurse: 4, supervisor: 6 };

export function pinTooShort(role: Role, pin: string): boolean {
  return pin.length < MIN_PIN_LENGTH[role];
}

/** Refuses a new PIN that is too short for the role. */
export function checkNewPin(role: Role, pin: string): void {
  if (pinTooShort(role, pin)) {
    throw badRequest('pin_too_short', `a ${role}'s PIN needs at least ${MIN_PIN_LENGTH[role]} digits: choose a longer one`);
  }
}

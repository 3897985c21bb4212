/**
 * First-boot setup, done once by the technician on a box without users: the box's language, the
 * first supervisor (PIN of at least 6 digits) and a recovery code, shown once (only its sha256 is
 * kept). The recovery code later clears every PIN delay and the box-wide guess budget, and can set
 * a new PIN for a supervisor who forgot theirs.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FirstBootSetup, SetupResult } from '../../contracts/api/people.ts';
import type { Store } from '../store/store.ts';
import { publicUser } from '../store/users.ts';
import type { User } from '../store/types.ts';
import type { WorkflowContext } from './context.ts';
import { badRequest, conflict, notFound, WorkflowError } from './errors.ts';
import { hashPin } from './pin.ts';
import { checkNewPin } from './pin-policy.ts';

const RECOVERY_KEY = 'recoveryCodeHash';
// Crockford's base32 without I, L, O, U: nothing to confuse when copied by hand.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function setupNeeded(ctx: WorkflowContext): boolean {
  return ctx.store.users.count() === 0;
}

/** 20 characters of base32 (100 bits) in groups of four: XXXX-XXXX-XXXX-XXXX-XXXX. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]);
  return [0, 4, 8, 12, 16].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

const normalise = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
const digest = (code: string) => createHash('sha256').update(normalise(code)).digest();

export async function firstBootSetup(ctx: WorkflowContext, input: FirstBootSetup): Promise<SetupResult> {
  if (!setupNeeded(ctx)) throw alreadySetUp();
  checkNewPin('supervisor', input.supervisor.pin);
  const pinHash = await hashPin(input.supervisor.pin);
  const recoveryCode = newRecoveryCode();
  const id = randomUUID();
  const at = ctx.now().toISOString();
  ctx.store.transaction(() => {
    // Checked again inside the transaction: two setups racing must not make two first supervisors.
    if (!setupNeeded(ctx)) throw alreadySetUp();
    ctx.store.users.insert({ id, name: input.supervisor.name, role: 'supervisor', pinHash, at });
    ctx.store.settings.set('language', input.language, id, at);
    ctx.store.security.setSecret(RECOVERY_KEY, digest(recoveryCode).toString('hex'), at);
    ctx.store.audit.append({
      at,
      sampleId: null,
      revision: null,
      userId: id,
      action: 'setup.completed',
      target: `user:${id}`,
      detail: { name: input.supervisor.name, language: input.language },
      reason: null,
    });
  });
  return { supervisor: publicUser(ctx.store.users.get(id)!), recoveryCode };
}

/**
 * A new recovery code, replacing the old one (lost, or a box set up before codes existed): for the
 * technician at the box's shell (`leukodiff recovery-code`), never over HTTP. Shown once.
 */
export function renewRecoveryCode(store: Store, at: string): string {
  if (store.users.count() === 0) throw conflict('setup_required', 'this box has no users yet: the first-boot setup on its screen makes the first supervisor and the recovery code');
  const code = newRecoveryCode();
  store.transaction(() => {
    store.security.setSecret(RECOVERY_KEY, digest(code).toString('hex'), at);
    store.audit.append({ at, sampleId: null, revision: null, userId: null, action: 'setup.recovery_code_renewed', target: null, detail: {}, reason: null });
  });
  return code;
}

function alreadySetUp(): WorkflowError {
  return conflict('already_set_up', 'this box is already set up: sign in, and add users in Settings > Users');
}

export interface RecoverInput {
  recoveryCode: string;
  /** A supervisor whose PIN is set anew (both or neither). */
  userId?: string;
  pin?: string;
}

/** Clears every PIN delay and the guess budget; with userId and pin, sets that supervisor's PIN. */
export async function recover(ctx: WorkflowContext, input: RecoverInput): Promise<{ cleared: true; user: User | null }> {
  const stored = ctx.store.security.getSecret(RECOVERY_KEY);
  if (!stored) {
    throw conflict(
      'no_recovery_code',
      ctx.store.users.count() === 0
        ? 'this box has not been set up yet: the first-boot setup on its screen makes the recovery code'
        : 'this box has no recovery code (it was set up before codes existed): the technician makes one with `leukodiff recovery-code` on the box',
    );
  }
  const given = digest(input.recoveryCode);
  if (!timingSafeEqual(given, Buffer.from(stored, 'hex'))) {
    throw new WorkflowError('wrong_recovery_code', 'this is not the recovery code written down at setup: check each group of four characters', 403);
  }
  if ((input.userId === undefined) !== (input.pin === undefined)) throw badRequest('pin_required', 'to reset a PIN, give both the supervisor (userId) and the new PIN');
  let pinHash: string | undefined;
  if (input.userId !== undefined) {
    const user = ctx.store.users.get(input.userId);
    if (!user) throw notFound('user', input.userId);
    if (user.role !== 'supervisor') throw conflict('not_a_supervisor', `${user.name} is not a supervisor: a supervisor resets a nurse's PIN in Settings > Users`);
    checkNewPin('supervisor', input.pin!);
    pinHash = await hashPin(input.pin!);
  }
  const at = ctx.now().toISOString();
  ctx.store.transaction(() => {
    ctx.store.users.clearAllWrongPins();
    ctx.store.security.clearWrongPins();
    if (input.userId && pinHash) ctx.store.users.update(input.userId, { pinHash, active: true }, at);
    ctx.store.audit.append({
      at,
      sampleId: null,
      revision: null,
      userId: null,
      action: 'setup.recovered',
      target: input.userId ? `user:${input.userId}` : null,
      detail: input.userId ? { pin: 'changed', active: true } : {},
      reason: null,
    });
  });
  return { cleared: true, user: input.userId ? publicUser(ctx.store.users.get(input.userId)!) : null };
}

/**
 * Users of the box: nurses and supervisors, each with a PIN. Adding or changing users needs a
 * supervisor's PIN; the very first user (a supervisor) is made by the first-boot setup (setup.ts).
 */
import { randomUUID } from 'node:crypto';
import type { UserPatch } from '../../contracts/api/people.ts';
import { publicUser } from '../store/users.ts';
import type { Role, User } from '../store/types.ts';
import type { Credentials } from './auth.ts';
import type { WorkflowContext } from './context.ts';
import { badRequest, conflict, notFound, WorkflowError } from './errors.ts';
import { hashPin } from './pin.ts';
import { checkNewPin } from './pin-policy.ts';

function audit(ctx: WorkflowContext, by: string | null, action: string, userId: string, detail: Record<string, unknown>): void {
  ctx.store.audit.append({ at: ctx.now().toISOString(), sampleId: null, revision: null, userId: by, action, target: `user:${userId}`, detail, reason: null });
}

/** The supervisor allowing a user change. */
async function authorise(ctx: WorkflowContext, auth: Credentials | undefined): Promise<string> {
  if (ctx.store.users.count() === 0) throw conflict('setup_required', 'this box has no users yet: the technician makes the first supervisor in the first-boot setup (POST /api/setup)');
  if (!auth) throw new WorkflowError('supervisor_required', "a supervisor's PIN is needed to add or change users", 403);
  return (await ctx.auth.check(auth, 'supervisor')).id;
}

/** Inserts a user and audits it; `by` is the supervisor allowing it (the user itself at setup). */
export async function insertUser(ctx: WorkflowContext, input: { name: string; role: Role; pin: string }, by: string | null, action = 'user.created'): Promise<User> {
  checkNewPin(input.role, input.pin);
  const pinHash = await hashPin(input.pin);
  const id = randomUUID();
  ctx.store.transaction(() => {
    if (ctx.store.users.nameTaken(input.name)) throw conflict('name_taken', `there is already a user called ${input.name}`);
    ctx.store.users.insert({ id, name: input.name, role: input.role, pinHash, at: ctx.now().toISOString() });
    audit(ctx, by ?? id, action, id, { name: input.name, role: input.role });
  });
  return publicUser(ctx.store.users.get(id)!);
}

export async function createUser(ctx: WorkflowContext, input: { name: string; role: Role; pin: string }, auth?: Credentials): Promise<User> {
  checkNewPin(input.role, input.pin);
  return insertUser(ctx, input, await authorise(ctx, auth));
}

export async function updateUser(ctx: WorkflowContext, id: string, patch: UserPatch, auth: Credentials): Promise<User> {
  const target = ctx.store.users.get(id);
  if (!target) throw notFound('user', id);
  const role = patch.role ?? target.role;
  if (patch.pin !== undefined) checkNewPin(role, patch.pin);
  else if (patch.role === 'supervisor' && target.role !== 'supervisor') {
    throw badRequest('pin_required', `a new supervisor needs a PIN of at least 6 digits: give ${target.name} one with the role change`);
  }
  const by = (await ctx.auth.check(auth, 'supervisor')).id;
  const pinHash = patch.pin === undefined ? undefined : await hashPin(patch.pin);
  ctx.store.transaction(() => {
    const user = ctx.store.users.get(id)!;
    if (patch.name !== undefined && ctx.store.users.nameTaken(patch.name, id)) throw conflict('name_taken', `there is already a user called ${patch.name}`);
    const losesSupervisor = user.role === 'supervisor' && user.active && (patch.role === 'nurse' || patch.active === false);
    if (losesSupervisor && ctx.store.users.countActiveSupervisors() === 1) {
      throw conflict('last_supervisor', `${user.name} is the only active supervisor: add another supervisor first`);
    }
    ctx.store.users.update(id, { name: patch.name, role: patch.role, active: patch.active, pinHash }, ctx.now().toISOString());
    if (pinHash) ctx.store.users.clearWrongPins(id);
    // A deactivated user is signed out everywhere.
    if (patch.active === false) ctx.store.sessions.deleteForUser(id);
    const { pin: _pin, ...changed } = patch;
    audit(ctx, by, 'user.changed', id, { ...changed, ...(pinHash ? { pin: 'changed' } : {}) });
  });
  return publicUser(ctx.store.users.get(id)!);
}

/** Checks a user's own PIN (e.g. before the kiosk opens Settings); wrong PINs count towards the delays. */
export async function verifyUserPin(ctx: WorkflowContext, id: string, pin: string): Promise<User> {
  if (!ctx.store.users.get(id)) throw notFound('user', id);
  return publicUser(await ctx.auth.check({ userId: id, pin }, 'nurse'));
}

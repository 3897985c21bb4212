/**
 * Users of the box: nurses and supervisors, each with a PIN. Adding or changing users needs a
 * supervisor's PIN, except the very first user of a new box, who must be a supervisor.
 */
import { randomUUID } from 'node:crypto';
import { publicUser } from '../store/users.ts';
import type { Role, User } from '../store/types.ts';
import type { Credentials } from './auth.ts';
import type { WorkflowContext } from './context.ts';
import { conflict, notFound, WorkflowError } from './errors.ts';
import { hashPin } from './pin.ts';

function audit(ctx: WorkflowContext, by: string | null, action: string, userId: string, detail: Record<string, unknown>): void {
  ctx.store.audit.append({ at: ctx.now().toISOString(), sampleId: null, revision: null, userId: by, action, target: `user:${userId}`, detail, reason: null });
}

/** The supervisor allowing a user change, or null on a new box with no supervisor yet. */
async function authorise(ctx: WorkflowContext, auth: Credentials | undefined): Promise<string | null> {
  if (ctx.store.users.countActiveSupervisors() === 0) return null;
  if (!auth) throw new WorkflowError('supervisor_required', "a supervisor's PIN is needed to add or change users", 403);
  return (await ctx.auth.check(auth, 'supervisor')).id;
}

export async function createUser(ctx: WorkflowContext, input: { name: string; role: Role; pin: string }, auth?: Credentials): Promise<User> {
  const by = await authorise(ctx, auth);
  if (by === null && input.role !== 'supervisor') throw conflict('first_user_supervisor', 'the first user of the box must be a supervisor');
  const pinHash = await hashPin(input.pin);
  const id = randomUUID();
  ctx.store.transaction(() => {
    if (ctx.store.users.nameTaken(input.name)) throw conflict('name_taken', `there is already a user called ${input.name}`);
    ctx.store.users.insert({ id, name: input.name, role: input.role, pinHash, at: ctx.now().toISOString() });
    audit(ctx, by ?? id, 'user.created', id, { name: input.name, role: input.role });
  });
  return publicUser(ctx.store.users.get(id)!);
}

export interface UserPatch {
  name?: string;
  role?: Role;
  active?: boolean;
  pin?: string;
}

export async function updateUser(ctx: WorkflowContext, id: string, patch: UserPatch, auth: Credentials): Promise<User> {
  if (!ctx.store.users.get(id)) throw notFound('user', id);
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
    const { pin: _pin, ...changed } = patch;
    audit(ctx, by, 'user.changed', id, { ...changed, ...(pinHash ? { pin: 'changed' } : {}) });
  });
  return publicUser(ctx.store.users.get(id)!);
}

/** Checks a user's own PIN (the kiosk's user switch); wrong PINs count towards the lock-out. */
export async function verifyUserPin(ctx: WorkflowContext, id: string, pin: string): Promise<User> {
  if (!ctx.store.users.get(id)) throw notFound('user', id);
  return publicUser(await ctx.auth.check({ userId: id, pin }, 'nurse'));
}

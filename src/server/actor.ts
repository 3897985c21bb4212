/** Who makes a request: the user named in the x-leukodiff-user header (the kiosk's current user). */
import type { FastifyRequest } from 'fastify';
import type { Actor, WorkflowContext } from '../workflow/context.ts';
import { badRequest } from '../workflow/errors.ts';
import { USER_HEADER } from './schemas/common.ts';

export function actorOf(ctx: WorkflowContext, req: FastifyRequest, reason?: string): Actor {
  const id = req.headers[USER_HEADER];
  if (id === undefined) return { userId: null, reason };
  if (typeof id !== 'string') throw badRequest('bad_user', `send one ${USER_HEADER} header`);
  const user = ctx.store.users.get(id);
  if (!user || !user.active) throw badRequest('unknown_user', `${USER_HEADER}: no active user ${id}`);
  return { userId: id, reason };
}

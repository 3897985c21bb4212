/** Who makes a request: the user signed in on the kiosk's session (nobody on a box before its setup). */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../workflow/context.ts';

export function actorOf(req: FastifyRequest, reason?: string): Actor {
  return { userId: req.signedIn?.user.id ?? null, reason };
}

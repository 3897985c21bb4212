/** Users: list (signed in), add and change (a supervisor's PIN; the first one comes from setup), check a PIN. */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { ROLES } from '../../store/types.ts';
import { createUser, updateUser, verifyUserPin } from '../../workflow/users.ts';
import { credentials, errors, idParams, pin, pinRateLimit, userSchema } from '../schemas/common.ts';

const name = { type: 'string', minLength: 1, maxLength: 60, pattern: '\\S' } as const;
const role = { type: 'string', enum: [...ROLES] } as const;

const users: RoutesPlugin = async (app) => {
  const ctx = app.workflow;

  app.get('/api/users', { config: { session: 'required' }, schema: { summary: 'Users of the box (no secrets)', tags: ['users'], response: { 200: { type: 'array', items: userSchema } } } }, async () =>
    ctx.store.users.list(),
  );

  app.post(
    '/api/users',
    {
      config: pinRateLimit,
      schema: {
        summary: "Add a user; needs a supervisor's PIN (`auth`); PINs of at least 4 digits, 6 for a supervisor. The first supervisor comes from POST /api/setup",
        tags: ['users'],
        body: { type: 'object', required: ['name', 'role', 'pin'], additionalProperties: false, properties: { name, role, pin, auth: credentials } },
        response: { 201: userSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { auth, ...user } = req.body;
      return reply.status(201).send(await createUser(ctx, user, auth));
    },
  );

  app.patch(
    '/api/users/:userId',
    {
      config: pinRateLimit,
      schema: {
        summary: "Rename, change role, deactivate or set a new PIN; needs a supervisor's PIN",
        tags: ['users'],
        params: idParams('userId'),
        body: {
          type: 'object',
          required: ['auth'],
          minProperties: 2,
          additionalProperties: false,
          properties: { name, role, active: { type: 'boolean' }, pin, auth: credentials },
        },
        response: { 200: userSchema, ...errors },
      },
    },
    async (req) => {
      const { auth, ...patch } = req.body;
      return updateUser(ctx, req.params.userId, patch, auth);
    },
  );

  app.post(
    '/api/users/:userId/verify-pin',
    {
      config: pinRateLimit,
      schema: {
        summary: "Check a user's PIN (before the kiosk opens Settings); from the 5th wrong PIN each try must wait (429)",
        tags: ['users'],
        params: idParams('userId'),
        body: { type: 'object', required: ['pin'], additionalProperties: false, properties: { pin } },
        response: { 200: userSchema, ...errors },
      },
    },
    async (req) => verifyUserPin(ctx, req.params.userId, req.body.pin),
  );
};

export default users;

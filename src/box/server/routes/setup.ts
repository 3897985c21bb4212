/**
 * First-boot setup (only on a box without users): whether it is needed, the setup itself (first
 * supervisor, language, recovery code shown once), and the technician's recovery.
 */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import type { SetupStatus } from '../../../contracts/api/people.ts';
import { LANGUAGES } from '../../../contracts/api/settings.ts';
import { firstBootSetup, recover, setupNeeded } from '../../workflow/setup.ts';
import { errors, pin, pinRateLimit, userSchema, uuid } from '../schemas/common.ts';
import { sessionSchema } from './session.ts';

const name = { type: 'string', minLength: 1, maxLength: 60, pattern: '\\S' } as const;
const recoveryCode = { type: 'string', minLength: 10, maxLength: 64, description: 'the code shown once at setup (dashes and case do not matter)' } as const;

const setup: RoutesPlugin = async (app) => {
  const ctx = app.workflow;

  app.get(
    '/api/setup',
    {
      config: { session: 'none' },
      schema: {
        summary: "Whether the box still needs its first-boot setup, the hub it syncs with (set in the config), and this browser's session (null: nobody signed in); the kiosk starts from it",
        tags: ['setup'],
        response: { 200: { type: 'object', properties: { needed: { type: 'boolean' }, hubUrl: { type: ['string', 'null'] }, session: { anyOf: [sessionSchema, { type: 'null' }] } } } },
      },
    },
    async (req): Promise<SetupStatus> => ({ needed: setupNeeded(ctx), hubUrl: app.config.hubUrl, session: req.signedIn }),
  );

  app.post(
    '/api/setup',
    {
      config: { session: 'none', ...pinRateLimit },
      schema: {
        summary: 'First-boot setup: language and first supervisor (PIN of at least 6 digits); answers the recovery code, shown only this once',
        tags: ['setup'],
        body: {
          type: 'object',
          required: ['language', 'supervisor'],
          additionalProperties: false,
          properties: {
            language: { type: 'string', enum: [...LANGUAGES] },
            supervisor: { type: 'object', required: ['name', 'pin'], additionalProperties: false, properties: { name, pin } },
          },
        },
        response: { 201: { type: 'object', properties: { supervisor: userSchema, recoveryCode: { type: 'string' } } }, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await firstBootSetup(ctx, req.body)),
  );

  app.post(
    '/api/setup/recover',
    {
      config: { session: 'none', ...pinRateLimit },
      schema: {
        summary: "Technician's recovery: clears every PIN delay; with userId and pin, sets that supervisor's PIN",
        tags: ['setup'],
        body: { type: 'object', required: ['recoveryCode'], additionalProperties: false, properties: { recoveryCode, userId: uuid, pin } },
        response: { 200: { type: 'object', properties: { cleared: { type: 'boolean' }, user: { anyOf: [userSchema, { type: 'null' }] } } }, ...errors },
      },
    },
    async (req) => recover(ctx, req.body),
  );
};

export default setup;

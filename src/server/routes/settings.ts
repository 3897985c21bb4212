/** Settings: target count and reference ranges; changing them needs a supervisor's PIN. */
import type { FastifyPluginAsync } from 'fastify';
import type { Credentials } from '../../workflow/auth.ts';
import { readSettings, updateSettings, type Settings } from '../../workflow/settings.ts';
import { credentials, errors, pinRateLimit, referenceRangesSchema } from '../schemas/common.ts';

const targetCount = { type: 'integer', minimum: 10, maximum: 1000, description: 'leukocytes to count per sample' } as const;
const settingsSchema = { type: 'object', properties: { targetCount, referenceRanges: referenceRangesSchema } } as const;

const settings: FastifyPluginAsync = async (app) => {
  const ctx = app.workflow;

  app.get('/api/settings', { schema: { summary: 'Current settings', tags: ['settings'], response: { 200: settingsSchema } } }, async () =>
    readSettings(ctx.store, ctx.defaultTarget),
  );

  app.patch<{ Body: Partial<Settings> & { auth: Credentials } }>(
    '/api/settings',
    {
      config: pinRateLimit,
      schema: {
        summary: "Change the target count and/or the reference ranges (all five types at once); needs a supervisor's PIN",
        tags: ['settings'],
        body: {
          type: 'object',
          required: ['auth'],
          minProperties: 2,
          additionalProperties: false,
          properties: { targetCount, referenceRanges: referenceRangesSchema, auth: credentials },
        },
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (req) => {
      const { auth, ...patch } = req.body;
      return updateSettings(ctx, patch, auth);
    },
  );
};

export default settings;

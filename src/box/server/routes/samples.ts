/** Samples: create, list, get (with fields, cells and differential), edit, sign off, audit trail. */
import type { SampleList } from '../../../contracts/api/samples.ts';
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { SAMPLE_STATUSES } from '../../store/types.ts';
import { getSample } from '../../workflow/changes.ts';
import { createSample, editSample } from '../../workflow/samples.ts';
import { signSample } from '../../workflow/signoff.ts';
import { sampleDetail, sampleSummary } from '../../workflow/views.ts';
import { actorOf } from '../actor.ts';
import { auditEntrySchema, credentials, pinRateLimit, differentialSchema, errors, idParams, reason, sampleDetailSchema, sampleSummarySchema, uuid } from '../schemas/common.ts';

const details = {
  reference: { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S', description: 'sample or accession reference on the slide' },
  patientId: { type: ['string', 'null'], maxLength: 64, description: 'patient identifier: stored and reported, never logged' },
  collectedAt: { type: ['string', 'null'], format: 'date-time' },
  wbcCount: { type: ['number', 'null'], minimum: 0, maximum: 1000, description: 'total white cell count, 10^9/L (for absolute counts)' },
} as const;

const params = idParams('sampleId');

/** A 409: with duplicate_reference, `sampleId` names the sample that has this number already. */
const duplicateReference = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, sampleId: { type: 'string' } },
} as const;

const samples: RoutesPlugin = async (app) => {
  const ctx = app.workflow;

  app.post(
    '/api/samples',
    {
      schema: {
        summary: 'Create a sample (idempotent when the client sends its own id); 409 duplicate_reference naming the sample that has this number already',
        tags: ['samples'],
        body: { type: 'object', required: ['reference'], additionalProperties: false, properties: { id: uuid, ...details } },
        response: { 200: sampleSummarySchema, 201: sampleSummarySchema, ...errors, 409: duplicateReference },
      },
    },
    async (req, reply) => {
      const { sample, created } = createSample(ctx, req.body, actorOf(req));
      return reply.status(created ? 201 : 200).send(sampleSummary(ctx, sample));
    },
  );

  app.get(
    '/api/samples',
    {
      schema: {
        summary: 'List samples, newest first',
        tags: ['samples'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...SAMPLE_STATUSES] },
            reference: { type: 'string', minLength: 1, maxLength: 64, description: 'prefix of the sample reference' },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: sampleSummarySchema }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } },
          },
          ...errors,
        },
      },
    },
    async (req): Promise<SampleList> => {
      const { items, total } = ctx.store.samples.list(req.query);
      return { items: items.map((s) => sampleSummary(ctx, s)), total, limit: req.query.limit, offset: req.query.offset };
    },
  );

  app.get(
    '/api/samples/:sampleId',
    { schema: { summary: 'A sample with its fields, their cells, and the differential', tags: ['samples'], params, response: { 200: sampleDetailSchema, ...errors } } },
    async (req) => sampleDetail(ctx, getSample(ctx, req.params.sampleId)),
  );

  app.get(
    '/api/samples/:sampleId/differential',
    { schema: { summary: "The sample's differential", tags: ['samples'], params, response: { 200: differentialSchema, ...errors } } },
    async (req) => sampleDetail(ctx, getSample(ctx, req.params.sampleId)).differential,
  );

  app.patch(
    '/api/samples/:sampleId',
    {
      schema: {
        summary: 'Edit the details (reference, patient, collection time, total WBC count)',
        tags: ['samples'],
        params,
        body: { type: 'object', minProperties: 1, additionalProperties: false, properties: { ...details, reason } },
        response: { 200: sampleSummarySchema, ...errors, 409: duplicateReference },
      },
    },
    async (req) => {
      const { reason: why, ...edit } = req.body;
      return sampleSummary(ctx, editSample(ctx, req.params.sampleId, edit, actorOf(req, why)));
    },
  );

  app.post(
    '/api/samples/:sampleId/sign',
    {
      config: pinRateLimit,
      schema: {
        summary: "Sign off with a supervisor's PIN: refused while fields are in analysis, counted cells are unseen or unidentified, or fewer cells than the target are counted without shortReason",
        tags: ['samples'],
        params,
        body: {
          type: 'object',
          required: ['auth'],
          additionalProperties: false,
          properties: {
            auth: credentials,
            shortReason: { type: 'string', maxLength: 500, description: 'why the sample is signed below the target count (printed on the report)' },
          },
        },
        response: { 200: sampleSummarySchema, ...errors },
      },
    },
    async (req) => sampleSummary(ctx, await signSample(ctx, req.params.sampleId, req.body.auth, { shortReason: req.body.shortReason })),
  );

  app.get(
    '/api/samples/:sampleId/audit',
    {
      config: { session: 'required' },
      schema: {
        summary: "The sample's audit trail, oldest first",
        tags: ['samples'],
        params,
        response: {
          200: { type: 'array', items: auditEntrySchema },
          ...errors,
        },
      },
    },
    async (req) => {
      getSample(ctx, req.params.sampleId);
      return ctx.store.audit.forSample(req.params.sampleId);
    },
  );
};

export default samples;

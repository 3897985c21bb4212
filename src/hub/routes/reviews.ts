/**
 * GET /api/v1/reviews?after=N: the device's clinic's reviews numbered after N. Asking after N also
 * confirms that the box took in everything up to N (the reviewer page shows it as returned).
 * POST /api/v1/reviews/outcomes: what became of each review at the box (applied, conflict, unknown
 * sample). A review of another clinic, or an id the hub does not know, is ignored and counted as
 * such rather than refused: a 4xx would leave the box resending the rest of its batch forever.
 */
import { MAX_OUTCOME_REASON_CHARS, MAX_OUTCOMES_PER_REPORT, REVIEW_OUTCOMES, type ReviewOutcomesAnswer } from '../../contracts/hub-protocol.ts';
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { authenticatedDevice } from '../plugins/device-auth.ts';
import { errorResponses } from '../plugins/errors.ts';
import { confirmReviewCursor } from '../repo/devices.ts';
import { recordReviewOutcomes } from '../repo/review-outcomes.ts';
import { reviewsSince } from '../repo/reviews.ts';
import { uuid } from './schemas.ts';

const reviewSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    id: { type: 'string' },
    sampleId: { type: 'string' },
    baseRevision: { type: 'integer' },
    reviewer: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    // One item shape for the three kinds of change (hub-protocol.ts ReviewChange): `op` absent for a new type, `delete` (to null), `add` (from null, with its field and box).
    changes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          op: { type: 'string', enum: ['delete', 'add'] },
          cellId: { type: 'string' },
          fieldId: { type: 'string' },
          box: { type: 'array', items: { type: 'number' } },
          from: { type: ['string', 'null'] },
          to: { type: ['string', 'null'] },
        },
      },
    },
    comment: { type: ['string', 'null'] },
    signedAt: { type: 'string' },
    amends: { type: ['integer', 'null'] },
  },
} as const;

const outcomesBody = {
  type: 'object',
  required: ['outcomes'],
  additionalProperties: false,
  properties: {
    outcomes: {
      type: 'array',
      maxItems: MAX_OUTCOMES_PER_REPORT,
      items: {
        type: 'object',
        required: ['reviewId', 'outcome', 'at'],
        additionalProperties: false,
        properties: {
          reviewId: uuid,
          outcome: { type: 'string', enum: REVIEW_OUTCOMES },
          at: { type: 'string', minLength: 1, maxLength: 64 },
          reason: { type: 'string', maxLength: MAX_OUTCOME_REASON_CHARS },
        },
      },
    },
  },
} as const;

const reviews: RoutesPlugin = async (app) => {
  app.get(
    '/reviews',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1, default: 0 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        },
        response: { 200: { type: 'object', properties: { reviews: { type: 'array', items: reviewSchema }, cursor: { type: 'integer' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const device = authenticatedDevice(req);
      const { after, limit } = req.query;
      if (after > 0) await confirmReviewCursor(app.hub.db, device.id, after);
      const list = await reviewsSince(app.hub.db, device.clinicId, after, limit);
      return { reviews: list, cursor: list.length ? list[list.length - 1].seq : after };
    },
  );

  app.post(
    '/reviews/outcomes',
    {
      schema: {
        body: outcomesBody,
        response: { 200: { type: 'object', properties: { recorded: { type: 'integer' }, ignored: { type: 'integer' } } }, ...errorResponses },
      },
    },
    async (req): Promise<ReviewOutcomesAnswer> => recordReviewOutcomes(app.hub.db, authenticatedDevice(req), req.body.outcomes, new Date().toISOString()),
  );
};

export default reviews;

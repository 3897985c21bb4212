/**
 * GET /api/v1/reviews?after=N: the device's clinic's reviews numbered after N. Asking after N also
 * confirms that the box applied everything up to N (the reviewer page shows it as returned).
 */
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { authenticatedDevice } from '../plugins/device-auth.ts';
import { errorResponses } from '../plugins/errors.ts';
import { confirmReviewCursor } from '../repo/devices.ts';
import { reviewsSince } from '../repo/reviews.ts';

const reviewSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    id: { type: 'string' },
    sampleId: { type: 'string' },
    baseRevision: { type: 'integer' },
    reviewer: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    changes: { type: 'array', items: { type: 'object', properties: { cellId: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } } },
    comment: { type: ['string', 'null'] },
    signedAt: { type: 'string' },
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
};

export default reviews;

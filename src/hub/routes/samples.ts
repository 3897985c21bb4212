/**
 * PUT /api/v1/samples/:sampleId/revisions/:revision: one signed sample revision (the report JSON
 * and the hashes of its images). Idempotent; an older revision never replaces a newer one. The
 * report is checked against its full schema, and every image it shows must be at the hub.
 */
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { authenticatedDevice } from '../plugins/device-auth.ts';
import { errorResponses, errorSchema, HubError } from '../plugins/errors.ts';
import { upsertRevision } from '../repo/samples.ts';
import { reportImages, reportSchema } from './report-schema.ts';
import { sha256, uuid } from './schemas.ts';
import type { RevisionAnswer } from '../../contracts/hub-protocol.ts';

const samples: RoutesPlugin = async (app) => {
  app.put(
    '/samples/:sampleId/revisions/:revision',
    {
      bodyLimit: app.hubConfig.maxRevisionBytes,
      schema: {
        params: {
          type: 'object',
          required: ['sampleId', 'revision'],
          additionalProperties: false,
          properties: { sampleId: uuid, revision: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 } },
        },
        body: {
          type: 'object',
          required: ['images', 'payload'],
          additionalProperties: false,
          properties: {
            images: { type: 'array', maxItems: 1000, items: sha256 },
            payload: reportSchema,
          },
        },
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['created', 'superseded', 'duplicate'] }, latestRevision: { type: 'integer' } } },
          409: { ...errorSchema, properties: { ...errorSchema.properties, missing: { type: 'array', items: { type: 'string' } } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const device = authenticatedDevice(req);
      const { sampleId, revision } = req.params;
      const { payload } = req.body;
      // An image the report shows but does not list is still one the hub must hold.
      const images = [...new Set([...req.body.images, ...reportImages(payload)])];
      if (payload.sample.id !== sampleId || payload.sample.revision !== revision) {
        throw new HubError(422, 'payload_mismatch', 'the report names another sample or revision than the address');
      }
      const out = await upsertRevision(
        app.hub.db,
        device.clinicId,
        device.id,
        {
          sampleId,
          revision,
          images,
          payload: JSON.stringify(payload),
          reference: payload.sample.reference,
          signedAt: payload.people?.signedBy?.at ?? null,
          counted: payload.differential?.counted ?? 0,
        },
        new Date().toISOString(),
      );
      switch (out.kind) {
        case 'created':
        case 'superseded':
        case 'duplicate':
          return { status: out.kind, latestRevision: out.latest } satisfies RevisionAnswer;
        case 'images_missing':
          throw new HubError(409, 'images_missing', `${out.missing.length} image(s) of this revision are not at the hub: send them first`, { missing: out.missing });
        case 'payload_conflict':
          throw new HubError(409, 'payload_conflict', `revision ${revision} of this sample is already at the hub with other content`);
        case 'not_your_sample':
          throw new HubError(409, 'not_your_sample', 'this sample id belongs to another clinic');
      }
    },
  );
};

export default samples;

/**
 * Images: which of these hashes does the hub lack (and how much of each it holds), and one part of
 * an image's encoded stream. Parts are retry-safe: a part the hub already holds is acknowledged
 * again; a part that does not continue the hub's copy gets 409 with where to continue.
 */
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { authenticatedDevice } from '../plugins/device-auth.ts';
import { errorResponses, errorSchema, HubError } from '../plugins/errors.ts';
import { ENCODINGS, missingImages, putPart } from '../repo/images.ts';
import { sha256, uploadState } from './schemas.ts';

export const MAX_HASHES_PER_QUERY = 500;

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

const images: RoutesPlugin = async (app) => {
  const cfg = app.hubConfig;
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: cfg.maxRequestBytes }, (_req, body, done) => done(null, body));

  app.post(
    '/images/missing',
    {
      schema: {
        body: { type: 'object', required: ['sha256'], additionalProperties: false, properties: { sha256: { type: 'array', maxItems: MAX_HASHES_PER_QUERY, items: sha256 } } },
        response: { 200: { type: 'object', properties: { missing: { type: 'array', items: uploadState } } }, ...errorResponses },
      },
    },
    async (req) => {
      const device = authenticatedDevice(req);
      return { missing: await missingImages(app.hub.db, device.clinicId, req.body.sha256) };
    },
  );

  app.put(
    '/images/:sha256',
    {
      bodyLimit: cfg.maxRequestBytes,
      schema: {
        params: { type: 'object', required: ['sha256'], additionalProperties: false, properties: { sha256 } },
        querystring: {
          type: 'object',
          required: ['start', 'total', 'encoding'],
          additionalProperties: false,
          properties: {
            start: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
            total: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 },
            encoding: { type: 'string', enum: [...ENCODINGS] },
          },
        },
        headers: { type: 'object', required: ['content-type'], properties: { 'content-type': { type: 'string', const: 'application/octet-stream' } } },
        response: {
          200: { type: 'object', properties: { sha256: { type: 'string' }, complete: { type: 'boolean' }, received: { type: 'integer' } } },
          409: { ...errorSchema, properties: { ...errorSchema.properties, received: { type: 'integer' } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const device = authenticatedDevice(req);
      const { sha256: sha } = req.params;
      const { start, total, encoding } = req.query;
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const limits = { maxImageBytes: cfg.maxImageBytes, quotaBytes: cfg.deviceQuotaBytes };
      const out = await putPart(app.hub.db, device.clinicId, sha, { deviceId: device.id, start, total, encoding, data }, limits, new Date().toISOString());
      switch (out.kind) {
        case 'complete':
          return { sha256: sha, complete: true, received: total };
        case 'partial':
          return { sha256: sha, complete: false, received: out.received };
        case 'offset':
          throw new HubError(409, 'offset_mismatch', `the hub holds ${out.received} bytes of this image: continue from there`, { received: out.received });
        case 'bad_range':
          throw new HubError(400, 'bad_range', 'the part ends after the stated total');
        case 'too_large':
          throw new HubError(413, 'image_too_large', `the image is larger than the hub accepts (${cfg.maxImageBytes} bytes)`);
        case 'hash_mismatch':
          throw new HubError(422, 'hash_mismatch', 'the assembled image does not match its sha256: send it again from the start');
        case 'bad_encoding':
          throw new HubError(422, 'bad_encoding', 'the assembled stream could not be decoded: send it again from the start');
        case 'quota_exceeded':
          // 507, not 413: the box keeps the image and retries later, once the quota is raised or space freed.
          throw new HubError(
            507,
            'quota_exceeded',
            `this device holds ${mb(out.used)} MB at the hub and its quota is ${mb(out.quota)} MB: ask the hub administrator to raise LEUKODIFF_HUB_DEVICE_QUOTA_BYTES or remove old data; the box retries later`,
            {},
            { 'retry-after': '3600' },
          );
      }
    },
  );
};

export default images;

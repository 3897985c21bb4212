/** GET /api/v1/ping: the box's probe. Cheap; says who the hub thinks the box is and its limits. */
import type { FastifyPluginAsync } from 'fastify';
import { authenticatedDevice } from '../plugins/device-auth.ts';
import { errorResponses } from '../plugins/errors.ts';
import { touchDevice } from '../repo/devices.ts';
import type { PingAnswer } from '../../contracts/hub-protocol.ts';

const ping: FastifyPluginAsync = async (app) => {
  app.get(
    '/ping',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              device: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, clinicId: { type: 'string' } } },
              time: { type: 'string' },
              limits: { type: 'object', properties: { maxRequestBytes: { type: 'integer' }, maxImageBytes: { type: 'integer' }, maxRevisionBytes: { type: 'integer' } } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req): Promise<PingAnswer> => {
      const device = authenticatedDevice(req);
      const time = new Date().toISOString();
      await touchDevice(app.hub.db, device.id, time);
      const { maxRequestBytes, maxImageBytes, maxRevisionBytes } = app.hubConfig;
      return { device, time, limits: { maxRequestBytes, maxImageBytes, maxRevisionBytes } };
    },
  );
};

export default ping;

/**
 * Every device API request carries `Authorization: Bearer <device token>`; the device it names
 * (`req.device`) decides which clinic's data the request may see. Unknown, revoked or malformed
 * tokens get 401 without saying which.
 */
import fp from 'fastify-plugin';
import { deviceForToken, type Device } from '../repo/devices.ts';
import { HubError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    device: Device | null;
  }
}

export function authenticatedDevice(req: { device: Device | null }): Device {
  if (!req.device) throw new HubError(401, 'unauthorised', 'a device token is required');
  return req.device;
}

export default fp(
  async (app) => {
    app.decorateRequest('device', null);
    app.addHook('onRequest', async (req) => {
      const header = req.headers.authorization;
      const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      const device = m ? await deviceForToken(app.hub.db, m[1]) : null;
      if (!device) throw new HubError(401, 'unauthorised', 'unknown, revoked or missing device token', {}, { 'www-authenticate': 'Bearer realm="leukodiff hub"' });
      req.device = device;
    });
  },
  { name: 'device-auth', dependencies: ['hub-db'] },
);

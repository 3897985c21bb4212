/** GET /api/device: health of the box for the admin and the kiosk's status bar. */
import type { FastifyPluginAsync } from 'fastify';
import type { DeviceHealth as DeviceHealthReply } from '../../../contracts/api/device.ts';
import { DeviceHealth } from '../../workflow/device-health.ts';
import { VERSION } from '../../../version.ts';

const n = { type: ['number', 'null'] } as const;
const deviceSchema = {
  type: 'object',
  properties: {
    version: { type: 'string' },
    backend: { type: 'object', properties: { name: { type: 'string' }, reason: { type: 'string' } } },
    cpu: { type: 'object', properties: { cores: { type: 'integer' }, loadPercent: n, loadAverage: { type: 'array', items: { type: 'number' } }, temperatureC: n } },
    memory: { type: 'object', properties: { totalMB: { type: 'integer' }, availableMB: { type: 'integer' } } },
    // The data folder's path is not sent: no file paths leave the daemon.
    disk: { type: 'object', properties: { totalMB: { type: 'integer' }, freeMB: { type: 'integer' } } },
    gpu: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, loadPercent: n, temperatureC: n, memoryUsedMB: n, memoryTotalMB: n } },
    },
    uptimeSeconds: { type: 'object', properties: { system: { type: 'integer' }, daemon: { type: 'integer' } } },
    queue: { type: 'object', properties: { length: { type: 'integer' }, capacity: { type: 'integer' } } },
    outbox: { type: 'object', properties: { pending: { type: 'integer' } } },
  },
} as const;

const device: FastifyPluginAsync = async (app) => {
  const health = new DeviceHealth(app.config.dataDir);
  app.get(
    '/api/device',
    { schema: { summary: 'Device health: CPU, memory, disk, GPU, uptime, queue, backend', tags: ['device'], response: { 200: deviceSchema } } },
    async (): Promise<DeviceHealthReply> => ({
      version: VERSION,
      backend: app.engine.backend,
      ...(await health.read()),
      queue: { length: app.queue.length, capacity: app.queue.capacity },
      outbox: { pending: app.store.outbox.pendingCount() },
    }),
  );
};

export default device;

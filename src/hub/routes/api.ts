/** The device API under /api/v1: every route behind the device token. */
import type { FastifyPluginAsync } from 'fastify';
import deviceAuth from '../plugins/device-auth.ts';
import images from './images.ts';
import ping from './ping.ts';
import reviews from './reviews.ts';
import samples from './samples.ts';

const api: FastifyPluginAsync = async (app) => {
  await app.register(deviceAuth);
  for (const routes of [ping, images, samples, reviews]) await app.register(routes);
};

export default api;

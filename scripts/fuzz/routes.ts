/**
 * The routes to fuzz, one shape for both apps: the daemon's from its OpenAPI document
 * (GET /api/docs), the hub's from its own route table (the hub app registered on a scratch
 * database, noting each route and its schemas as fastify adds it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import hubApp from '../../src/hub/app.ts';
import { loadHubConfig } from '../../src/hub/config.ts';
import { openHubDb } from '../../src/hub/db/connect.ts';
import type { Schema } from './values.ts';

export type BodyKind = 'json' | 'multipart' | 'octet' | 'form' | 'none';

export interface Route {
  method: string;
  /** With `:name` parameters. */
  path: string;
  params?: Schema;
  query?: Schema;
  body?: Schema;
  bodyKind: BodyKind;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** OpenAPI 3 paths -> routes (path parameters as `:name`). */
export function routesFromOpenApi(doc: { paths?: Record<string, Record<string, Schema>> }): Route[] {
  const out: Route[] = [];
  for (const [p, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.includes(method)) continue;
      const objectOf = (where: string): Schema | undefined => {
        const list = ((op.parameters ?? []) as Schema[]).filter((x) => x.in === where);
        if (!list.length) return undefined;
        return { type: 'object', required: list.filter((x) => x.required).map((x) => x.name), properties: Object.fromEntries(list.map((x) => [x.name, x.schema ?? {}])) };
      };
      const content = (op.requestBody?.content ?? {}) as Record<string, { schema?: Schema }>;
      const kind: BodyKind = content['multipart/form-data'] ? 'multipart' : content['application/json'] ? 'json' : content['application/octet-stream'] ? 'octet' : 'none';
      out.push({
        method: method.toUpperCase(),
        path: p.replace(/\{([^}]+)\}/g, ':$1'),
        params: objectOf('path'),
        query: objectOf('query'),
        body: content['application/json']?.schema ?? content['multipart/form-data']?.schema,
        bodyKind: kind,
      });
    }
  }
  return out;
}

/** Every route the hub serves, with its schemas, without starting it. */
export async function hubRoutes(): Promise<Route[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-fuzz-routes-'));
  const config = loadHubConfig({ LEUKODIFF_HUB_DATA: dir }, { logLevel: 'silent' });
  config.databaseUrl = null;
  const db = await openHubDb(config);
  const routes: Route[] = [];
  const app = Fastify({ logger: false });
  app.addHook('onRoute', (r) => {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD');
    const schema = (r.schema ?? {}) as Schema;
    for (const method of methods) {
      const url = r.url;
      const bodyKind: BodyKind = method === 'GET' || method === 'DELETE' ? 'none' : url.startsWith('/review') ? 'form' : url.includes('/images/:') ? 'octet' : 'json';
      routes.push({ method, path: url, params: schema.params, query: schema.querystring, body: schema.body, bodyKind });
    }
  });
  try {
    await app.register(hubApp, { config, db, ownsDb: false });
    await app.ready();
  } finally {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return routes;
}

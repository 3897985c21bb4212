/**
 * The fastify type provider of the daemon's and the hub's routes: a route's `req.params`, `req.query`,
 * `req.body` and `req.headers` are typed from its JSON schemas (json-schema-to-ts), so no route
 * repeats its schema as a hand-written generic. Replies stay untyped as before: the response schemas
 * describe loose, open objects that the domain interfaces would not satisfy, and fastify's serializer
 * checks them at run time.
 */
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyPluginAsync, FastifyTypeProvider, RawServerDefault } from 'fastify';

/** What json-schema-to-ts derives from a request schema (fastify's way to apply a provider to a schema). */
export type FromRequestSchema<Schema> = (JsonSchemaToTsProvider & { schema: Schema })['validator'];

export interface SchemaTypeProvider extends FastifyTypeProvider {
  validator: FromRequestSchema<this['schema']>;
  serializer: unknown;
}

/** A plugin whose routes get their request types from their schemas. */
export type RoutesPlugin<Options extends Record<string, unknown> = Record<never, never>> = FastifyPluginAsync<Options, RawServerDefault, SchemaTypeProvider>;

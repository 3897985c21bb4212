/**
 * Request validation shared by the daemon and the hub: JSON bodies are validated strictly (no type
 * coercion: "7" where an integer is expected is a 400 naming the field), while the querystring,
 * params and headers, which are strings by nature, keep Ajv's coercion ("?limit=5" is the number 5).
 * Both compilers are fastify's own (@fastify/ajv-compiler) with unknown properties refused, not dropped.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

const buildCompiler = AjvCompiler();
type CompilerOptions = Parameters<typeof buildCompiler>[1];

export function validationOptions(): Pick<FastifyServerOptions, 'ajv' | 'schemaController'> {
  return {
    // additionalProperties: false must refuse unknown fields, not silently drop them.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: {
      compilersFactory: {
        buildValidator: (externalSchemas, ajvOptions) => {
          // fastify passes its `ajv` option here: { customOptions, plugins, onCreate }.
          const options = ajvOptions as CompilerOptions & { customOptions?: object };
          const coercing = buildCompiler(externalSchemas, options);
          const strict = buildCompiler(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } } as CompilerOptions);
          return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
        },
      },
    },
  };
}

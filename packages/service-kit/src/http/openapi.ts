import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export interface OpenApiInfo {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

/** OpenAPI 3.1 generated from the routes' zod schemas, at /docs/json, with Swagger UI at /docs. */
export async function registerOpenApi(app: FastifyInstance, info: OpenApiInfo): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: transformRouteSchema,
    transformObject: (input) => forbidNulInStrings(jsonSchemaTransformObject(input)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
}

/**
 * zod schemas become JSON Schema, as the type provider does; a body documented per content type
 * (`body: { content: { 'application/x-protobuf': { schema } } }`, plain JSON Schema) is kept as it
 * is, for routes that parse their own bodies (OTLP, multipart) and so validate them themselves.
 */
const transformRouteSchema: typeof jsonSchemaTransform = (input) => {
  const body = (input.schema as { body?: unknown } | undefined)?.body;
  if (!isContentBody(body)) return jsonSchemaTransform(input);
  const result = jsonSchemaTransform({ ...input, schema: { ...input.schema, body: undefined } });
  return { ...result, schema: { ...result.schema, body } };
};

function isContentBody(body: unknown): body is { content: Record<string, unknown> } {
  return (
    typeof body === 'object' &&
    body !== null &&
    'content' in body &&
    typeof body.content === 'object'
  );
}

/** PostgreSQL text cannot hold U+0000: a string with one can never be stored, so none is valid. */
const NO_NUL_PATTERN = '^[^\\u0000]*$';

/**
 * States that rule in the document: every free-form string schema (no format, enum or const of
 * its own) gets a pattern excluding U+0000 (beside its own pattern, in allOf, when it has one), so the 400 such a value answers is documented
 * as a schema violation rather than a valid request refused.
 */
function forbidNulInStrings<T>(document: T): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const schema = node as Record<string, unknown>;
    const isString =
      schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'));
    const free = !('format' in schema) && !('enum' in schema) && !('const' in schema);
    if (isString && free && !('pattern' in schema)) schema.pattern = NO_NUL_PATTERN;
    else if (isString && free) {
      // A pattern of its own (non-blank, say) rarely excludes U+0000: state both.
      const allOf = Array.isArray(schema.allOf) ? (schema.allOf as unknown[]) : [];
      schema.allOf = [...allOf, { pattern: NO_NUL_PATTERN }];
    }
    Object.values(schema).forEach(visit);
  };
  visit(document);
  return document;
}

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { conformingArbitrary, hostileArbitrary, type JsonSchema } from './json-schema-arbitrary.js';

interface OpenApiDocument {
  readonly paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
  readonly components?: { schemas?: Record<string, JsonSchema> };
}

export interface FuzzOptions {
  readonly headers: Record<string, string>;
  /** Values for path parameters such as `{id}`: usually the id of a resource that exists. */
  readonly pathParams?: Record<string, string>;
  readonly runsPerRoute?: number;
  readonly seed?: number;
}

export interface FuzzReport {
  readonly routes: readonly string[];
  readonly requests: number;
  readonly statuses: Readonly<Record<number, number>>;
}

/**
 * Sends random bodies, generated from the service's own OpenAPI request schemas, to every POST,
 * PUT and PATCH route. Half conform to the schema (so they reach the domain and the database),
 * half are hostile. Only 2xx and 4xx are acceptable answers; a 5xx fails with the offending body.
 */
export async function fuzzWriteRoutes(
  app: FastifyInstance,
  options: FuzzOptions,
): Promise<FuzzReport> {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<OpenApiDocument>();
  const resolve = (ref: string): JsonSchema => {
    const name = ref.split('/').pop() ?? '';
    const schema = doc.components?.schemas?.[name];
    if (!schema) throw new Error(`unresolvable $ref ${ref}`);
    return schema;
  };
  const routes: string[] = [];
  const statuses: Record<number, number> = {};
  let requests = 0;
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!['post', 'put', 'patch'].includes(method)) continue;
      const url = path.replace(
        /\{(\w+)\}/g,
        (_, name: string) => options.pathParams?.[name] ?? crypto.randomUUID(),
      );
      const schema = operation.requestBody?.content?.['application/json']?.schema ?? {};
      routes.push(`${method.toUpperCase()} ${path}`);
      const body = fc.oneof(
        conformingArbitrary(schema, resolve),
        hostileArbitrary(schema, resolve),
      );
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const res = await app.inject({
            method: method.toUpperCase() as 'POST',
            url,
            headers: { ...options.headers, 'content-type': 'application/json' },
            payload: JSON.stringify(payload),
          });
          requests += 1;
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          expect(
            res.statusCode,
            `${method.toUpperCase()} ${url} ${JSON.stringify(payload)} -> ${res.body}`,
          ).toBeLessThan(500);
        }),
        {
          // FUZZ_RUNS_PER_ROUTE: a longer hunt by hand (CI keeps the default, so its time stays flat).
          numRuns: Number(process.env.FUZZ_RUNS_PER_ROUTE) || (options.runsPerRoute ?? 60),
          ...(options.seed === undefined ? {} : { seed: options.seed }),
        },
      );
    }
  }
  return { routes, requests, statuses };
}

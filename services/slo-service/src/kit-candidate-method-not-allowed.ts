import { HttpProblem, type Scope } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';

/** Every method Fastify serves except the declared one(s) and HEAD/OPTIONS (handled by Fastify). */
const METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'QUERY'] as const;

/**
 * Kit candidate. The kit answers 405 (with Allow) for an undeclared method on a declared path,
 * but it matches paths segment by segment and so misses a route with Fastify's escaped literal
 * colon (`/v1/slos::import`, served as `/v1/slos:import`, an AIP-136 custom method): such a
 * request got a 404. Until the kit unescapes `::`, this registers the other methods on that path
 * as a route hidden from the OpenAPI document whose onRequest answers 405 before any body is read
 * (after authentication, which runs first at the root).
 */
export function answerMethodNotAllowed(
  app: FastifyInstance,
  url: string,
  scope: Scope,
  allowed: readonly string[],
): void {
  const methods = METHODS.filter((method) => !allowed.includes(method));
  app.route({
    method: [...methods],
    url,
    config: { scope },
    schema: { hide: true },
    onRequest: async (request, reply) => {
      void reply.header('allow', allowed.join(', '));
      throw new HttpProblem(
        405,
        'method_not_allowed',
        'Method Not Allowed',
        `${request.method} is not allowed on ${request.url.split('?')[0] ?? url}; allowed: ${allowed.join(', ')}`,
      );
    },
    handler: () => Promise.resolve(null),
  });
}

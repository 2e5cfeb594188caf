import { HttpProblem, type Scope } from '@obs/service-kit';
import type { FastifyInstance, HTTPMethods } from 'fastify';

/*
 * Kit candidate. The kit's 405 hook (http/method-not-allowed.ts) builds its path pattern from
 * the route URL, where Fastify spells a literal colon `::`. A custom-method path such as
 * `/v1/cost-signals:export` therefore never matches, and an undeclared method on it answers 404
 * instead of 405 (schemathesis ST204). Until the kit reads `::` as `:`, these hidden routes
 * answer 405 with `Allow` for the methods the path does not declare. They sit behind the kit's
 * auth like any /v1 route, so a call without a token is still a 401 first.
 */
const ALL_METHODS: readonly HTTPMethods[] = ['GET', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'QUERY'];

export function methodNotAllowedFor(
  app: FastifyInstance,
  url: string,
  declared: readonly HTTPMethods[],
  scope: Scope,
): void {
  const allow = declared.join(', ');
  const path = url.replaceAll('::', ':');
  app.route({
    method: ALL_METHODS.filter((m) => !declared.includes(m)),
    url,
    config: { scope },
    schema: { hide: true },
    handler: async (request, reply) => {
      void reply.header('allow', allow);
      throw new HttpProblem(
        405,
        'method_not_allowed',
        'Method Not Allowed',
        `${request.method} is not allowed on ${path}; allowed: ${allow}`,
      );
    },
  });
}

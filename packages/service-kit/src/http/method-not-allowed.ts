import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.js';

/**
 * `/v1/incidents/:id/acknowledge` → a regex matching concrete paths of that route. A literal colon
 * is written `::` in a Fastify route (`/v1/feedback::export` serves `/v1/feedback:export`).
 */
export function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) =>
      part.startsWith(':') || part === '*'
        ? '[^/]+'
        : part.replaceAll('::', ':').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/**
 * A path that exists answers 405 with `Allow` for a method it does not declare (RFC 9110), not
 * the 404 Fastify gives. Checked in onRequest, before any body is read: a body-carrying method
 * (QUERY) on such a path must not be refused for its missing Content-Type first.
 */
export function registerMethodNotAllowed(app: FastifyInstance): void {
  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ pattern: pathPattern(route.url), method });
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined) return; // a declared route: nothing to add
    const path = request.url.split('?')[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length === 0) return; // no such path: the 404 handler answers
    void reply.header('allow', allowed.join(', '));
    throw new HttpProblem(
      405,
      'method_not_allowed',
      'Method Not Allowed',
      `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
    );
  });
}

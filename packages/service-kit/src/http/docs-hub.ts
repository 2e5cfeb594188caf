import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';

/** The port `pnpm start` serves the one Swagger UI page on (the services use 4101–4111). */
export const DOCS_HUB_PORT = 4100;

export interface DocsHubService {
  readonly name: string;
  /** The running service's base URL, e.g. http://127.0.0.1:4106. */
  readonly url: string;
}

/** Request headers not forwarded: they describe the hop, not the request. */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'accept-encoding',
]);

/**
 * One Swagger UI page for people (`pnpm start`): every service's OpenAPI document in its selector,
 * at `/docs`. Each document is served from this origin (`/specs/<service>.json`) with
 * `servers: [{ url: '/api/<service>' }]`, and `/api/<service>/…` is passed on to the service, so
 * "Try it out" works from the page without CORS on the services.
 */
export async function buildDocsHub(services: readonly DocsHubService[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const byName = new Map(services.map((service) => [service.name, service]));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // The UI plugin needs the swagger plugin; this hub documents no route of its own.
  await app.register(fastifySwagger, {
    openapi: { openapi: '3.1.0', info: { title: 'Platform API documents', version: '1' } },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: {
      urls: services.map((service) => ({ name: service.name, url: `/specs/${service.name}.json` })),
      // The first entry is the one shown first (swagger-ui's urls.primaryName defaults to it).
    },
  });

  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/docs'));

  app.get<{ Params: { file: string } }>(
    '/specs/:file',
    { schema: { hide: true } },
    async (request, reply) => {
      const service = byName.get(request.params.file.replace(/\.json$/, ''));
      if (!service) return reply.code(404).send({ error: `no service ${request.params.file}` });
      const response = await fetch(`${service.url}/docs/json`);
      if (!response.ok)
        return reply.code(502).send({ error: `${service.name}: ${response.status}` });
      const document = (await response.json()) as Record<string, unknown>;
      return { ...document, servers: [{ url: `/api/${service.name}`, description: service.url }] };
    },
  );

  app.all<{ Params: { service: string; '*': string } }>(
    '/api/:service/*',
    { schema: { hide: true } },
    async (request, reply) => {
      const service = byName.get(request.params.service);
      if (!service) return reply.code(404).send({ error: `no service ${request.params.service}` });
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || HOP_HEADERS.has(name)) continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const body = request.body instanceof Buffer ? new Uint8Array(request.body) : undefined;
      const response = await fetch(`${service.url}/${request.params['*']}${query}`, {
        method: request.method,
        headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
        redirect: 'manual',
      });
      for (const [name, value] of response.headers) {
        // fetch has decoded the body: its length and encoding are this reply's to set.
        if (
          !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)
        )
          void reply.header(name, value);
      }
      return reply.code(response.status).send(Buffer.from(await response.arrayBuffer()));
    },
  );
  return app;
}

import { createServer } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';

/**
 * Tiny real HTTP servers for the linked services not yet on main, answering the cross-service
 * contract shapes (helper brief, "Cross-service REST contracts"). Like the real services they take
 * the tenant from the bearer token alone: another tenant's record answers 404, no token 401. They
 * record the Authorization header of every call, so a test can see that the caller's was forwarded.
 */
export interface Stub {
  readonly url: string;
  readonly seen: string[];
  /** The URL (path and query) of every call. */
  readonly urls: string[];
  /**
   * Records by tenant, then by the path (without query) that answers them. The bodies 'boom' and
   * 'forbidden' answer 500 and 403 instead.
   */
  put(tenantId: string, path: string, body: unknown): void;
  close(): Promise<void>;
}

/** The tenant claim of a bearer token (the stub trusts the signature, the real services check it). */
function tenantOf(request: FastifyRequest): string | undefined {
  const token = request.headers.authorization?.replace(/^Bearer /, '');
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    tenantId?: string;
  };
  return claims.tenantId;
}

export async function startStub(): Promise<Stub> {
  const records = new Map<string, unknown>();
  const seen: string[] = [];
  const urls: string[] = [];
  const app: FastifyInstance = Fastify();
  app.get('/*', async (request, reply) => {
    seen.push(request.headers.authorization ?? '');
    urls.push(request.url);
    const tenant = tenantOf(request);
    if (tenant === undefined) {
      return reply
        .code(401)
        .type('application/problem+json')
        .send({ status: 401, detail: 'no token' });
    }
    const body = records.get(`${tenant} ${request.url.split('?')[0]}`);
    if (body === undefined) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send({ status: 404, detail: 'unknown' });
    }
    if (body === 'boom') return reply.code(500).send({ status: 500 });
    if (body === 'forbidden') {
      return reply
        .code(403)
        .type('application/problem+json')
        .send({ status: 403, detail: 'the token lacks the read scope' });
    }
    return body;
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    seen,
    urls,
    put: (tenantId, path, body) => records.set(`${tenantId} ${path}`, body),
    close: () => app.close(),
  };
}

/** A base URL with nothing listening: the port was free a moment ago and is closed again. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthContext } from '../auth/auth.js';
import type { ServiceContext } from '../build-service.js';

/** Who asked and when: what a domain call needs from the request, nothing else. */
export interface Call {
  readonly auth: AuthContext;
  /** Command time (the service clock), ISO-8601. */
  readonly at: string;
  /**
   * The caller's Authorization header, for a call that must read another service with the
   * caller's own rights (resolving a reference); never stored, never logged.
   */
  readonly authorization: string | undefined;
}

export function callOf(request: FastifyRequest, ctx: ServiceContext): Call {
  return {
    auth: request.auth,
    at: new Date(ctx.clock()).toISOString(),
    authorization: request.headers.authorization,
  };
}

/** What every kit route documents in OpenAPI besides its schemas. */
export interface RouteDocs {
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description: string;
}

export const idParams = z.object({ id: z.uuid().describe('The resource id') });

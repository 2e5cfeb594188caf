import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, versionConflict } from '../problem.js';

export function setEtag(reply: FastifyReply, version: number): void {
  void reply.header('etag', `"${version}"`);
}

/**
 * The version named by `If-Match`, or undefined when the client sent none (an unconditional
 * update). `*` means "any version" and is treated as absent.
 */
export function ifMatchVersion(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined || raw.trim() === '*') return undefined;
  // Lenient: W/"3", "3" and a bare 3 all name version 3 (clients and tools drop the quotes).
  const match = /^\s*(?:W\/)?"?([0-9]{1,15})"?\s*$/.exec(raw);
  const version = match?.[1];
  if (version === undefined) {
    throw new HttpProblem(
      400,
      'invalid_if_match',
      'Bad Request',
      'If-Match must be an ETag such as "3"',
      [{ field: 'headers.if-match', message: 'expected a quoted version number' }],
    );
  }
  return Number(version);
}

/** Refuses a stale If-Match with 409 before any change is attempted. */
export function assertVersion(expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) throw versionConflict(expected, actual);
}

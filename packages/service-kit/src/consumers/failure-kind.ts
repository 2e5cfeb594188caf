import { DomainError } from '@obs/domain';
import { EnvelopeError } from '@obs/event-envelope';
import { ZodError } from 'zod';

/**
 * Whether retrying a failed event can help. Only failures known to pass are `transient`: the
 * database connection dropped, a serialization failure or deadlock, a network hiccup. Everything
 * else (a DomainError, a payload that fails its schema, a bug) is `permanent` and dead-lettered at
 * once, so one bad event costs one attempt instead of N backoffs that hold up its partition.
 */
export type FailureKind = 'transient' | 'permanent';

/** SQLSTATE classes and codes PostgreSQL documents as "try again". */
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57']; // connection, resources, operator intervention
// Serialization failure, deadlock, lock not available, and a uniqueness clash with a concurrent
// writer (the retry reloads and finds the row the other transaction committed).
const TRANSIENT_SQLSTATES = ['40001', '40P01', '55P03', '23505'];

const TRANSIENT_NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
];

/** pg reports a dropped connection as a bare Error with one of these messages. */
const TRANSIENT_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
];

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const record = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = record.driverError?.code ?? record.code; // TypeORM wraps pg's error
  return typeof code === 'string' ? code : undefined;
}

export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof DomainError || err instanceof EnvelopeError || err instanceof ZodError) {
    return 'permanent';
  }
  // fetch() reports network failures as TypeError('fetch failed') with the socket error as cause.
  for (let current: unknown = err, depth = 0; current && depth < 4; depth += 1) {
    const code = codeOf(current);
    if (code !== undefined) {
      if (TRANSIENT_SQLSTATES.includes(code)) return 'transient';
      if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2))) {
        return 'transient';
      }
      if (TRANSIENT_NETWORK_CODES.includes(code)) return 'transient';
    }
    const message = current instanceof Error ? current.message : '';
    if (TRANSIENT_MESSAGES.some((m) => message.includes(m))) return 'transient';
    current = current instanceof Error ? current.cause : undefined;
  }
  return 'permanent';
}

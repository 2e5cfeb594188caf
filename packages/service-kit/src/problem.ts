/**
 * RFC 9457 problem details. Every error any service returns has this shape, with `code` naming
 * the invariant or condition and `errors` naming the failing fields for 400s.
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly errors?: readonly FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://obs-platform.dev/problems/';

export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  instance: string,
  errors?: readonly FieldError[],
): Problem {
  return {
    type: `${TYPE_BASE}${code.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
    title,
    status,
    detail,
    instance,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** An HTTP-level refusal raised by the application layer (not an invariant of the domain). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: readonly FieldError[],
    /** Sent as the Retry-After header (a 503 or 429 the client should retry later). */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export const notFound = (what: string, id: string): HttpProblem =>
  new HttpProblem(404, 'not_found', 'Not Found', `${what} ${id} was not found`);

export const versionConflict = (expected: number, actual: number): HttpProblem =>
  new HttpProblem(
    409,
    'version_conflict',
    'Conflict',
    `the resource is at version ${actual}, but If-Match named version ${expected}`,
  );

export const uniqueConflict = (detail: string): HttpProblem =>
  new HttpProblem(409, 'unique_violation', 'Conflict', detail);

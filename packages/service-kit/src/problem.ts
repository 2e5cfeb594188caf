/**
 * RFC 9457 problem details. Every error any service returns has this shape, with `code` naming
 * the invariant or condition and `errors` naming the failing fields for 400s.
 *
 * `type` is `about:blank` (RFC 9457 section 4.2.1): the problem has no semantics beyond its status
 * code, so no type URI points at pages nobody serves, and `title` is the status code's phrase
 * (RFC 9110 section 15). What went wrong is `code` (stable, for programs) and `detail` (for people).
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
export const PROBLEM_TYPE = 'about:blank';

/** RFC 9110 section 15 reason phrases of the statuses the services answer with. */
const STATUS_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The status code's phrase (the title `about:blank` asks for); `fallback` for one not listed. */
export function statusPhrase(status: number, fallback: string): string {
  return STATUS_PHRASES[status] ?? fallback;
}

/** A problem with `type: about:blank`; `title` is used only for a status without a phrase. */
export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  instance: string,
  errors?: readonly FieldError[],
): Problem {
  return {
    type: PROBLEM_TYPE,
    title: statusPhrase(status, title),
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

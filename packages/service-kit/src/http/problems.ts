import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem.js';

/** What each status means on this platform (docs/design.md#errors), with its usual code. */
const MEANINGS: Readonly<
  Record<number, readonly [description: string, code: string, title: string]>
> = {
  400: [
    'Malformed JSON, an invalid or unknown field, or a malformed cursor',
    'validation_failed',
    'Bad Request',
  ],
  401: ['No bearer token, or an invalid or expired one', 'unauthorized', 'Unauthorized'],
  403: ['The token lacks the scope this route needs', 'missing_scope', 'Forbidden'],
  404: ["No such resource in the caller's tenant", 'not_found', 'Not Found'],
  409: [
    'If-Match names a version that is no longer current, or a uniqueness clash',
    'version_conflict',
    'Conflict',
  ],
  413: ['The body is larger than the limit', 'body_too_large', 'Content Too Large'],
  415: ['The body is not application/json', 'unsupported_media_type', 'Unsupported Media Type'],
  422: [
    'A domain invariant refused the change; `code` names it',
    'domain_invariant',
    'Unprocessable Content',
  ],
  429: [
    "The tenant's rate limit is spent; retry after the Retry-After header",
    'rate_limited',
    'Too Many Requests',
  ],
  503: [
    'The service is shutting down or a dependency is unavailable',
    'unavailable',
    'Service Unavailable',
  ],
};

const problemBody = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  code: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export type ProblemBody = z.infer<typeof problemBody>;

/** One documented problem response: RFC 9457 body, content type application/problem+json. */
function problemResponse(status: number, codes: readonly string[], note?: string) {
  const [description, code, title] = MEANINGS[status] ?? ['Error', 'error', 'Error'];
  const coded = codes.length > 0 ? `${description}. Codes: ${codes.join(', ')}.` : description;
  const named = note ? `${coded} Also: ${note}` : coded;
  return {
    description: named,
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: problemBody.describe(named).meta({
          example: problem(status, codes[0] ?? code, title, description, '/v1/...'),
        }),
      },
    },
  };
}

export type ProblemResponses = Record<number, ReturnType<typeof problemResponse>>;

/** Statuses any authenticated route can answer, whatever it does. */
const ALWAYS = [401, 403, 429, 503] as const;

/** What a route adds to a status's usual meaning (a 503 that also means an upstream is down). */
export type StatusNotes = Readonly<Partial<Record<number, string>>>;

/**
 * The documented problem responses of a route: the statuses given, plus 401, 403, 429 and 503,
 * which every /v1 route can answer. `domainCodes` lists the 422 codes the domain can refuse with;
 * `notes` adds the route's own words to a status.
 *
 *   response: { 200: dto, ...problems([400, 404, 409, 422], ['incident.illegal_transition']) }
 */
export function problems(
  statuses: readonly number[],
  domainCodes: readonly string[] = [],
  notes: StatusNotes = {},
): ProblemResponses {
  const all = [...new Set([...statuses, ...ALWAYS])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [
      status,
      problemResponse(status, status === 422 ? domainCodes : [], notes[status]),
    ]),
  );
}

/** Statuses of a route with a JSON body: it can be malformed, too large or not JSON. */
export const BODY_PROBLEMS = [400, 413, 415] as const;

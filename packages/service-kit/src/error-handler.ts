import { DomainError } from '@obs/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  problem,
  type FieldError,
  type Problem,
} from './problem.js';

const PG_UNIQUE_VIOLATION = '23505';
/** SQLSTATE class 22: a value the column cannot hold (out of range, too long, bad text encoding). */
const PG_DATA_EXCEPTION_CLASS = '22';

const STATUS_CODES: Readonly<Record<number, [code: string, title: string]>> = {
  400: ['malformed_request', 'Bad Request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not_found', 'Not Found'],
  405: ['method_not_allowed', 'Method Not Allowed'],
  406: ['not_acceptable', 'Not Acceptable'],
  409: ['conflict', 'Conflict'],
  413: ['body_too_large', 'Content Too Large'],
  415: ['unsupported_media_type', 'Unsupported Media Type'],
  422: ['unprocessable', 'Unprocessable Content'],
  429: ['rate_limited', 'Too Many Requests'],
};

/**
 * The SQLSTATE of a failed query. Matched by shape, not `instanceof QueryFailedError`: TypeORM is
 * CommonJS and can be loaded twice (ESM test runners), which makes `instanceof` miss.
 */
function sqlStateOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'QueryFailedError') return undefined;
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

function fieldErrorsOf(error: FastifyError): FieldError[] {
  if (!hasZodFastifySchemaValidationErrors(error)) return [];
  const context = error.validationContext ?? 'body';
  return error.validation.flatMap((issue) => {
    const path = [context, ...issue.instancePath.split('/').filter(Boolean)].join('.');
    // An unknown field is reported once per key, named as the field itself.
    const unknownKeys = (issue.params as { keys?: unknown }).keys;
    if (Array.isArray(unknownKeys) && unknownKeys.length > 0) {
      return unknownKeys.map((key) => ({
        field: `${path}.${String(key)}`,
        message: 'unknown field',
      }));
    }
    return [{ field: path, message: issue.message ?? 'invalid' }];
  });
}

const FIELD_CODES: Readonly<Record<string, string>> = {
  'querystring.cursor': 'invalid_cursor',
  'headers.if-match': 'invalid_if_match',
};

/** Maps any thrown value to a problem; nothing about the internals leaks from a 5xx. */
export function toProblem(error: unknown, instance: string): Problem {
  if (error instanceof DomainError) {
    // Uniqueness is a conflict with existing state (docs/design.md#concurrency), not bad input.
    if (error.code.endsWith('.name_not_unique')) {
      return problem(409, error.code, 'Conflict', error.message, instance);
    }
    return problem(422, error.code, 'Unprocessable Content', error.message, instance);
  }
  if (error instanceof HttpProblem) {
    return problem(error.status, error.code, error.title, error.message, instance, error.errors);
  }
  const sqlState = sqlStateOf(error);
  if (sqlState === PG_UNIQUE_VIOLATION) {
    return problem(
      409,
      'unique_violation',
      'Conflict',
      'a resource with the same identity already exists',
      instance,
    );
  }
  // A safety net behind the schemas: the request held a value the column cannot store.
  if (sqlState?.startsWith(PG_DATA_EXCEPTION_CLASS)) {
    return problem(
      400,
      'value_out_of_range',
      'Bad Request',
      'a value in the request cannot be stored',
      instance,
    );
  }
  const fastifyError = error as Partial<FastifyError>;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = fieldErrorsOf(error);
    const detail = `invalid request: ${errors.map((e) => e.field).join(', ')}`;
    // Fields with a code of their own (opaque to clients), whether the schema or code refused them.
    const only = errors.length > 0 && errors.every((e) => e.field === errors[0]?.field);
    const code = (only && FIELD_CODES[errors[0]?.field ?? '']) || 'validation_failed';
    return problem(400, code, 'Bad Request', detail, instance, errors);
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const [code, title] = STATUS_CODES[status] ?? ['client_error', 'Client Error'];
    return problem(status, code, title, fastifyError.message ?? title, instance);
  }
  return problem(
    500,
    'internal_error',
    'Internal Server Error',
    'an unexpected error occurred',
    instance,
  );
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const body = toProblem(error, request.url);
    if (error instanceof HttpProblem && error.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(error.retryAfterSeconds));
    }
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: body.code }, 'request refused');
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(
        404,
        'not_found',
        'Not Found',
        `no route ${request.method} ${request.url.split('?')[0]}`,
        request.url,
      ),
    ),
  );
}

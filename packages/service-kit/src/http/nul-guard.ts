import type { FastifyInstance } from 'fastify';
import { storableText } from '../otlp/storable-text.js';
import { HttpProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route stores U+0000 in its body as U+FFFD (the OTLP receivers, as the Collector keeps
     * a batch over one odd character) instead of refusing it.
     */
    bodyNulReplaced?: boolean;
  }
}

/**
 * Whether any string or key in the value holds U+0000. It runs over every request body (a
 * metric batch has tens of thousands of strings), so it builds nothing: the path is spelled out
 * by nulPath only once this found one.
 */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsNul(item)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (key.includes('\u0000') || holdsNul(record[key])) return true;
  }
  return false;
}

/**
 * Where the first string (or key) holding U+0000 is, as a dotted path, if any. A key in the path
 * is shown with U+FFFD in place of U+0000: the answer itself must hold no U+0000.
 */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = `${path}.${storableText(key)}`;
    if (key.includes('\u0000')) return at;
    const found = nulPath(child, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold U+0000, so the OpenAPI document says no string may (openapi.ts).
 * This refuses such a value before validation as a 400 naming the field, rather than letting it
 * reach a query and come back as an anonymous `value_out_of_range`.
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const parts: [string, unknown][] = [
      ['params', request.params],
      ['querystring', request.query],
    ];
    if (!request.routeOptions.config.bodyNulReplaced) parts.push(['body', request.body]);
    for (const [context, value] of parts) {
      const field = holdsNul(value) ? nulPath(value, context) : undefined;
      if (field !== undefined) {
        const errors = [{ field, message: 'must not contain U+0000' }];
        done(
          new HttpProblem(
            400,
            'validation_failed',
            'Bad Request',
            `invalid request: ${field}`,
            errors,
          ),
        );
        return;
      }
    }
    done();
  });
}

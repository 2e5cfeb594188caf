/**
 * Prometheus' API error types (web/api/v1/api.go) and the HTTP status each answers with:
 * bad_data 400, execution 422, timeout 503, internal 500, not_found 404.
 */
export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'internal' | 'not_found';

export const PROM_ERROR_STATUS: Readonly<Record<PromErrorType, number>> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  internal: 500,
  not_found: 404,
};

export class PromError extends Error {
  constructor(
    readonly type: PromErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'PromError';
  }
}

/** A parse or type error of the query, as Prometheus reports it (bad_data). */
export const badData = (message: string): PromError => new PromError('bad_data', message);

/** A part of PromQL this platform does not evaluate: 422, naming the part, never a wrong answer. */
export const unsupported = (part: string): PromError =>
  new PromError('execution', `unsupported by this platform: ${part}`);

/** An evaluation error (execution, 422), worded as Prometheus words it. */
export const execution = (message: string): PromError => new PromError('execution', message);

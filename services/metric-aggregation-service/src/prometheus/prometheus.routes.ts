import { problems, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MetricServiceConfig } from '../config.js';
import { promErrorSchema, sendError, sendSuccess, sendUnavailable, success } from './envelope.js';
import { formatTime, formatValue } from './format.js';
import type { LabelMatcher } from './promql/ast.js';
import { evaluate, TIMED_OUT, type QueryResult } from './promql/engine.js';
import { PromError, badData } from './promql/errors.js';
import { compareLabels, labelsKey } from './promql/labels.js';
import { parsePromQL, parseSeriesSelector } from './promql/parse.js';
import { querierFor, PromStore, type PromSeries } from './prom-store.js';
import {
  MAX_TIME,
  MIN_TIME,
  all,
  first,
  invalidParam,
  parseDuration,
  parseLimit,
  parseTime,
  type Params,
} from './params.js';

/** Prometheus' default lookback delta: an instant selector reads the newest sample in (t − 5m, t]. */
export const LOOKBACK_MS = 5 * 60_000;
/** Prometheus refuses a range query with more points per series than this (api.go). */
export const MAX_POINTS_PER_SERIES = 11_000;

const stringOrList = z.union([z.string(), z.array(z.string())]);
const paramsSchema = z
  .looseObject({
    query: z.string().optional().describe('PromQL expression'),
    time: z.string().optional().describe('Evaluation time: RFC 3339 or Unix seconds; default now'),
    start: z.string().optional().describe('RFC 3339 or Unix seconds'),
    end: z.string().optional().describe('RFC 3339 or Unix seconds'),
    step: z.string().optional().describe('Resolution: a duration (15s) or float seconds'),
    timeout: z
      .string()
      .optional()
      .describe('Evaluation timeout (a duration); at most the service limit'),
    limit: z.string().optional().describe('Maximum number of returned items; 0 means no limit'),
    'match[]': stringOrList.optional().describe('Series selectors; repeatable'),
    metric: z.string().optional(),
    limit_per_metric: z.string().optional(),
  })
  .describe('Parameters, in the query string or (POST) as application/x-www-form-urlencoded');

// [unix seconds, value as a string]; an array rather than a zod tuple, whose JSON Schema (an
// `items` list) is not a valid OpenAPI 3.1 schema object.
const sampleValue = z
  .array(z.union([z.number(), z.string()]))
  .length(2)
  .describe('[unix time in seconds, the value as a string]');
const metric = z.record(z.string(), z.string());
const queryData = z.object({
  resultType: z.enum(['vector', 'matrix', 'scalar', 'string']),
  result: z.union([
    z.array(z.object({ metric, value: sampleValue })),
    z.array(z.object({ metric, values: z.array(sampleValue) })),
    sampleValue,
  ]),
});

const jsonError = (description: string) => ({
  description,
  content: { 'application/json': { schema: promErrorSchema } },
});

function responses(data: z.ZodType, statuses: readonly number[]) {
  const kit = problems([]);
  const out: Record<number, unknown> = { ...kit, 200: success(data) };
  // bad_data from the API (application/json); a value the platform refuses before the API sees
  // it (U+0000, a malformed body) is the kit's problem+json.
  const kit400 = (problems([400]) as Record<number, { content: Record<string, unknown> }>)[400];
  out[400] = {
    description: 'bad_data: a parameter or the query is invalid (named)',
    content: { ...kit400?.content, 'application/json': { schema: promErrorSchema } },
  };
  if (statuses.includes(422)) {
    out[422] = jsonError('execution: unsupported PromQL (named), a limit, or an evaluation error');
  }
  const kit503 = (kit as Record<number, { content: Record<string, unknown> }>)[503];
  out[503] = {
    description:
      'timeout (query timed out), the database unavailable, or the service shutting down',
    content: { ...kit503?.content, 'application/json': { schema: promErrorSchema } },
  };
  return out;
}

function paramsOf(request: FastifyRequest): Params {
  const query = (request.query ?? {}) as Params;
  const body = request.body && typeof request.body === 'object' ? (request.body as Params) : {};
  // Without a prototype: a body key such as `toString` must not meet Object.prototype's.
  const merged: Record<string, string | readonly string[] | undefined> = Object.assign(
    Object.create(null) as Record<string, string | readonly string[] | undefined>,
    query,
  );
  for (const [key, value] of Object.entries(body)) {
    // The schema checks only the named fields; any other JSON value is not a form value.
    if (typeof value !== 'string' && !Array.isArray(value)) continue;
    const held = merged[key];
    // r.Form: the body's values first, then the URL's.
    merged[key] =
      held === undefined ? value : [...all({ v: value }, 'v'), ...all({ v: held }, 'v')];
  }
  return merged;
}

/** Form bodies (Grafana POSTs queries form-encoded): repeated keys become lists. */
function parseForm(body: string): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(body)) {
    const held = out[key];
    out[key] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
  }
  return out;
}

export function prometheusRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  config: MetricServiceConfig,
): void {
  void app.register((scope, _options, done) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        try {
          done(null, parseForm(body as string));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );
    const r = scope.withTypeProvider<ZodTypeProvider>();
    const limits = config.promql;

    const run =
      (work: (params: Params, store: PromStore, request: FastifyRequest) => Promise<unknown>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const store = new PromStore(ctx, request.auth.tenantId);
          return sendSuccess(reply, await work(paramsOf(request), store, request));
        } catch (error) {
          if (error instanceof PromError) return sendError(reply, error);
          if (isDatabaseFault(error)) {
            request.log.warn({ err: error }, 'prometheus API: database unavailable');
            return sendUnavailable(reply, 'the metric store is unavailable; retry');
          }
          throw error;
        }
      };

    const route = (
      url: string,
      methods: readonly ('GET' | 'POST')[],
      summary: string,
      description: string,
      data: z.ZodType,
      statuses: readonly number[],
      work: (params: Params, store: PromStore, request: FastifyRequest) => Promise<unknown>,
    ) => {
      for (const method of methods) {
        r.route({
          method,
          url: `/prometheus/api/v1${url}`,
          config: { scope: 'read' },
          schema: {
            tags: ['prometheus'],
            summary,
            description: `${description} Needs the read scope; the tenant is the token's.`,
            ...(method === 'GET'
              ? { querystring: paramsSchema }
              : {
                  querystring: paramsSchema,
                  // Grafana and promtool POST form-encoded; JSON objects of the same fields are read too.
                  consumes: ['application/x-www-form-urlencoded', 'application/json'],
                  body: paramsSchema
                    .nullish()
                    .meta({ example: { query: 'up', time: '1767225600' } }),
                }),
            ...(url.includes(':name') ? { params: z.object({ name: z.string() }) } : {}),
            response: responses(data, statuses),
          },
          handler: run(work),
        });
      }
    };

    const evaluateQuery = async (
      params: Params,
      store: PromStore,
      range: { start: number; end: number; step: number },
    ): Promise<QueryResult> => {
      // Wall time, not the service clock: the timeout bounds how long evaluation runs.
      const started = Date.now();
      let timeoutMs = limits.timeoutMs;
      const timeoutText = first(params, 'timeout');
      if (timeoutText !== '')
        timeoutMs = Math.min(timeoutMs, parseDuration('timeout', timeoutText));
      const text = first(params, 'query');
      let expr;
      try {
        expr = parsePromQL(text);
      } catch (error) {
        if (error instanceof PromError && error.type === 'bad_data') {
          throw invalidParam('query', error.message);
        }
        throw error;
      }
      return evaluate(expr, querierFor(store), {
        ...range,
        lookbackMs: LOOKBACK_MS,
        limits: { maxSamples: limits.maxSamples, maxSeries: limits.maxSeries },
        deadline: started + timeoutMs,
      });
    };

    route(
      '/query',
      ['GET', 'POST'],
      'PromQL instant query',
      "Evaluates a PromQL expression at one time (Prometheus /api/v1/query) over the tenant's MetricSeries data. Unsupported PromQL answers 422 naming the part.",
      queryData,
      [400, 422],
      async (params, store) => {
        const timeText = first(params, 'time');
        const time = timeText === '' ? ctx.clock() : parseTime('time', timeText);
        return toWire(await evaluateQuery(params, store, { start: time, end: time, step: 0 }));
      },
    );

    route(
      '/query_range',
      ['GET', 'POST'],
      'PromQL range query',
      'Evaluates a PromQL expression at start, start+step, … ≤ end (Prometheus /api/v1/query_range); steps are not aligned beyond what the caller sends, as in Prometheus.',
      queryData,
      [400, 422],
      async (params, store) => {
        const start = parseTime('start', first(params, 'start'));
        const end = parseTime('end', first(params, 'end'));
        if (end < start) throw invalidParam('end', 'end timestamp must not be before start time');
        const step = parseDuration('step', first(params, 'step'));
        // Steps below a millisecond are zero for an engine that counts in milliseconds.
        if (Math.round(step) <= 0) {
          throw invalidParam(
            'step',
            'zero or negative query resolution step widths are not accepted. Try a positive integer',
          );
        }
        if ((end - start) / step > MAX_POINTS_PER_SERIES) {
          throw badData(
            'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
          );
        }
        return toWire(await evaluateQuery(params, store, { start, end, step: Math.round(step) }));
      },
    );

    const matchersOf = (params: Params): (readonly LabelMatcher[])[] =>
      all(params, 'match[]').map((m) => {
        try {
          return parseSeriesSelector(m);
        } catch (error) {
          if (error instanceof PromError && error.type === 'bad_data') {
            throw invalidParam('match[]', error.message);
          }
          throw error;
        }
      });

    const timeRange = (params: Params) => {
      const startText = first(params, 'start');
      const endText = first(params, 'end');
      const from = startText === '' ? MIN_TIME : parseTime('start', startText);
      const to = endText === '' ? MAX_TIME : parseTime('end', endText);
      if (to < from) throw invalidParam('end', 'end timestamp must not be before start time');
      const bounded = startText !== '' || endText !== '';
      return bounded
        ? { from: Math.max(from, -62_135_596_800_000), to: Math.min(to, 253_402_300_799_999) }
        : undefined;
    };

    const seriesOf = async (
      params: Params,
      store: PromStore,
      selectors: (readonly LabelMatcher[])[],
    ): Promise<PromSeries[]> => {
      const range = timeRange(params);
      const seen = new Map<string, PromSeries>();
      for (const matchers of selectors.length > 0 ? selectors : [[]]) {
        const found = await store.series(matchers, limits.maxSeries, range);
        if (found.length > limits.maxSeries) {
          throw new PromError(
            'execution',
            'query processing would load too many series into memory in query execution',
          );
        }
        for (const s of found) seen.set(labelsKey(s.labels), s);
      }
      return [...seen.values()];
    };

    route(
      '/series',
      ['GET', 'POST'],
      'Find series by label matchers',
      'The label sets of the series matching any match[] selector with a point in [start, end] (Prometheus /api/v1/series).',
      z.array(metric),
      [400, 422],
      async (params, store) => {
        const selectors = matchersOf(params);
        if (selectors.length === 0) throw badData('no match[] parameter provided');
        const limit = parseLimit(params);
        const labels = (await seriesOf(params, store, selectors))
          .map((s) => s.labels)
          .sort(compareLabels);
        return limit > 0 ? labels.slice(0, limit) : labels;
      },
    );

    route(
      '/labels',
      ['GET', 'POST'],
      'Label names',
      "The label names of the tenant's series (or of those matching match[]), sorted (Prometheus /api/v1/labels).",
      z.array(z.string()),
      [400, 422],
      async (params, store) => {
        const names = new Set<string>();
        for (const s of await seriesOf(params, store, matchersOf(params))) {
          for (const name of Object.keys(s.labels)) names.add(name);
        }
        const limit = parseLimit(params);
        const sorted = [...names].sort();
        return limit > 0 ? sorted.slice(0, limit) : sorted;
      },
    );

    route(
      '/label/:name/values',
      ['GET'],
      'Label values',
      "The values of one label over the tenant's series (or those matching match[]), sorted (Prometheus /api/v1/label/<name>/values). Another tenant's values never appear.",
      z.array(z.string()),
      [400, 422],
      async (params, store, request) => {
        const name = (request.params as { name: string }).name;
        const values = new Set<string>();
        for (const s of await seriesOf(params, store, matchersOf(params))) {
          const value = s.labels[name];
          if (value !== undefined) values.add(value);
        }
        const limit = parseLimit(params);
        const sorted = [...values].sort();
        return limit > 0 ? sorted.slice(0, limit) : sorted;
      },
    );

    route(
      '/metadata',
      ['GET'],
      'Metric metadata',
      'Type, help and unit per metric (Prometheus /api/v1/metadata); help is empty, the platform keeps no descriptions.',
      z.record(
        z.string(),
        z.array(z.object({ type: z.string(), help: z.string(), unit: z.string() })),
      ),
      [400],
      async (params, store) => {
        const limit = parseLimit(params);
        const perMetricText = first(params, 'limit_per_metric');
        if (perMetricText !== '' && !/^\d+$/.test(perMetricText)) {
          throw invalidParam('limit_per_metric', 'limit_per_metric must be a non-negative integer');
        }
        const wanted = first(params, 'metric');
        const out: Record<string, { type: string; help: string; unit: string }[]> = {};
        const families = (await store.metadata())
          .filter((f) => wanted === '' || f.name === wanted)
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const f of families) {
          if (limit > 0 && Object.keys(out).length >= limit && out[f.name] === undefined) break;
          const list = out[f.name] ?? [];
          const entry = { type: f.type, help: '', unit: f.unit };
          if (!list.some((e) => e.type === entry.type)) list.push(entry);
          out[f.name] = list;
        }
        return out;
      },
    );

    route(
      '/status/buildinfo',
      ['GET'],
      'Build information',
      'What Grafana reads to pick its Prometheus features: the Prometheus API version this service speaks.',
      z.object({
        version: z.string(),
        revision: z.string(),
        branch: z.string(),
        buildUser: z.string(),
        buildDate: z.string(),
        goVersion: z.string(),
      }),
      [],
      () => Promise.resolve(BUILD_INFO),
    );
    done();
  });
}

export const BUILD_INFO = {
  version: '3.0.0',
  revision: 'metric-aggregation-service',
  branch: '',
  buildUser: 'obs-platform',
  buildDate: '',
  goVersion: '',
};

function toWire(result: QueryResult): unknown {
  switch (result.resultType) {
    case 'scalar':
      return {
        resultType: 'scalar',
        result: [formatTime(result.result[0]), formatValue(result.result[1])],
      };
    case 'string':
      return { resultType: 'string', result: [formatTime(result.result[0]), result.result[1]] };
    case 'vector':
      return {
        resultType: 'vector',
        result: result.result.map((s) => ({
          metric: { ...s.labels },
          value: [formatTime(s.t), formatValue(s.value)],
        })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: result.result.map((s) => ({
          metric: { ...s.labels },
          values: s.t.map((t, i) => [formatTime(t), formatValue(s.v[i] as number)]),
        })),
      };
  }
}

function isDatabaseFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ??
    (error as { code?: unknown }).code;
  return (
    error.name === 'QueryFailedError' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    (typeof code === 'string' && /^(08|53|57)/.test(code))
  );
}

export { TIMED_OUT };

import {
  DomainError,
  telemetryDimensions,
  valueForUnit,
  type TelemetryDimensionsInput,
} from '@obs/domain';
import { metricStream, type MetricStream } from './metric-stream.js';
import type { PreparedPoint } from './prepared-point.js';

/** What makes a point's stream: its metric, unit, dimensions and attributes. */
export interface NativeStreamInput {
  readonly metricName: string;
  readonly dimensions: TelemetryDimensionsInput;
  readonly unit?: string | undefined;
  readonly attributes?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/** What varies between the points of one stream. */
export interface NativeReadingInput {
  readonly value: number;
  readonly timestamp: string;
  readonly traceId?: string | undefined;
}

/** A point of the flat form: stream and reading in one object. */
export type NativePointInput = NativeStreamInput & NativeReadingInput;

/** A series of the series form: one stream, its readings. */
export interface NativeSeriesInput extends NativeStreamInput {
  readonly points: readonly NativeReadingInput[];
}

const KEY_DIMENSIONS = [
  'projectId',
  'moduleId',
  'artifactId',
  'executionId',
  'agentId',
  'service',
  'serviceVersion',
  'environment',
  'region',
  'origin',
] as const;

/**
 * Streams built so far, by tenant and key: a sender's batches repeat the same few streams, and
 * building one (validating its dimensions, encoding its labels, hashing its id) costs more than
 * the rest of its points' preparation. A stream is a pure function of its key, so a stale entry
 * cannot exist; the map is emptied when full rather than tracking use.
 */
const knownStreams = new Map<string, MetricStream>();
const MAX_KNOWN_STREAMS = 50_000;

/** `length:text`, so no two different field lists join to the same key. */
const part = (text: string) => `${text.length}:${text}`;

/**
 * What makes a point's stream, as a string (a batch's points share a few streams; building the
 * stream, and hashing its id, happens once per key). Everything metricStream reads is in it, in
 * a fixed order, each part length-prefixed: two points with equal keys have equal streams. The
 * caller prefixes the tenant: the token's, for every point (one naming another is refused
 * first). Attribute values are keyed as String() makes them, as the stream stores them.
 */
function streamKeyOf(input: NativeStreamInput, unit: string): string {
  let key = part(input.metricName) + part(unit);
  const dimensions = input.dimensions as Readonly<Record<string, string | undefined>>;
  for (const name of KEY_DIMENSIONS) {
    const value = dimensions[name];
    key += value === undefined ? '-' : part(value);
  }
  if (input.attributes !== undefined) {
    for (const name in input.attributes) {
      key += part(name) + part(String(input.attributes[name]));
    }
  }
  return key;
}

/**
 * The stream of a point or series (validated, DomainError), from the cache when built before.
 * The tenant is the token's: dimensions naming another are refused.
 */
function streamOf(tenantId: string, input: NativeStreamInput): MetricStream {
  if (input.dimensions.tenantId !== undefined && input.dimensions.tenantId !== tenantId) {
    throw new DomainError(
      'telemetry.tenant_mismatch',
      "dimensions.tenantId is not the token's tenant",
    );
  }
  const unit = input.unit ?? '';
  const key = part(tenantId) + streamKeyOf(input, unit);
  let stream = knownStreams.get(key);
  if (stream === undefined) {
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(input.attributes ?? {}))
      attributes[name] = String(value);
    stream = metricStream({
      metricName: input.metricName,
      unit,
      kind: 'gauge',
      dimensions: telemetryDimensions({ ...input.dimensions, tenantId }),
      attributes,
    });
    if (knownStreams.size >= MAX_KNOWN_STREAMS) knownStreams.clear();
    knownStreams.set(key, stream);
  }
  return stream;
}

/** One reading of a stream as a prepared gauge point (DomainError for its time or value). */
function preparedPoint(
  stream: MetricStream,
  input: NativeReadingInput,
  now: number,
  maxFutureMs: number,
): PreparedPoint {
  const at = Date.parse(input.timestamp);
  if (!(at >= 0)) {
    // Telemetry before the Unix epoch is a broken clock; Postgres has no year 0 either.
    throw new DomainError('metric.invalid_timestamp', 'timestamp must not be before 1970', {
      timestamp: input.timestamp,
    });
  }
  if (at > now + maxFutureMs) {
    throw new DomainError(
      'metric.point_in_future',
      `timestamp is more than ${maxFutureMs} ms ahead of the service clock`,
      { timestamp: input.timestamp },
    );
  }
  // A positive finite value passes every unit rule unchanged; valueForUnit builds its error
  // message and details on every call, so it is asked only about the others.
  const value =
    input.value > 0 && input.value < Infinity
      ? input.value
      : valueForUnit(input.value, stream.unit);
  return {
    stream,
    at,
    value,
    traceId: input.traceId ?? null,
    detail: null,
    contribution: { kind: 'value', value },
  };
}

/** Runs `work`, naming `at` (e.g. `points[3]`) in the DomainError it may throw. */
function naming<T>(at: string, details: Record<string, unknown>, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof DomainError) {
      throw new DomainError(error.code, `${at}: ${error.message}`, {
        ...error.details,
        ...details,
      });
    }
    throw error;
  }
}

/**
 * Validates a flat native batch point by point; the first refusal names the point (`points[i]`)
 * and the whole batch is refused, so nothing of it is half-stored. Native points are gauges:
 * each is one observation of its metric.
 */
export function prepareNativePoints(
  tenantId: string,
  points: readonly NativePointInput[],
  now: number,
  maxFutureMs: number,
): PreparedPoint[] {
  return points.map((input, index) =>
    naming(`points[${index}]`, { index }, () =>
      preparedPoint(streamOf(tenantId, input), input, now, maxFutureMs),
    ),
  );
}

/**
 * Validates a batch of series as prepareNativePoints does a flat one: each series' stream is
 * built once, a refusal names the series (`series[i]`) or its point (`series[i].points[j]`).
 */
export function prepareNativeSeries(
  tenantId: string,
  series: readonly NativeSeriesInput[],
  now: number,
  maxFutureMs: number,
): PreparedPoint[] {
  const prepared: PreparedPoint[] = [];
  series.forEach((input, index) => {
    const stream = naming(`series[${index}]`, { series: index }, () => streamOf(tenantId, input));
    input.points.forEach((reading, point) => {
      prepared.push(
        naming(`series[${index}].points[${point}]`, { series: index, index: point }, () =>
          preparedPoint(stream, reading, now, maxFutureMs),
        ),
      );
    });
  });
  return prepared;
}

import { promMetadataType, promSeriesNames, type Panel, type PromType } from '@obs/domain';
import { HttpProblem, type UpstreamResult } from '@obs/service-kit';
import { UpstreamUnavailable, type Upstreams } from '../upstreams.js';
import type { PromSource } from './panel-promql.js';

/** The catalogue entry's fields the export reads (GET /v1/metrics/{name}). */
interface CatalogueEntry {
  readonly unit?: unknown;
}

/** Prometheus' /api/v1/metadata answer: `{ data: { <series name>: [{ type }] } }`. */
interface MetadataAnswer {
  readonly data?: Record<string, readonly { readonly type?: unknown }[] | undefined>;
}

/**
 * The order a metric's possible types are tried in: a name exposed as two types (two streams of
 * one metric sent as a counter and as a gauge) is read as the first. Counters come first: the
 * OpenTelemetry SDKs' default for a Counter is a monotonic cumulative sum.
 */
const TYPES: readonly PromType[] = [
  'counter',
  'gauge',
  'histogram',
  'summary',
  'exponential_histogram',
];

/**
 * How each metric the panels plot is exposed on the platform's Prometheus API, read with the
 * caller's token (so the tenant's own series decide): the unit from the catalogue, then the type
 * whose series name `/prometheus/api/v1/metadata` lists. null: the metric has no Prometheus
 * series (gone from the catalogue, or only delta sums), and its panel gets no query.
 *
 * The export is the same for the same definition and the same metrics; an owning service that
 * cannot be reached answers 503 (nothing guessed), a token it refuses 403.
 */
export async function resolvePromSources(
  upstreams: Upstreams,
  authorization: string | undefined,
  panels: readonly Panel[],
): Promise<ReadonlyMap<string, PromSource | null>> {
  const metrics = [...new Set(panels.map((p) => p.metric).filter((m): m is string => m !== null))];
  const sources = new Map<string, PromSource | null>();
  if (metrics.length === 0) return sources;
  const [metadata, ...entries] = await Promise.all([
    upstreams.metrics.getJson<MetadataAnswer>('/prometheus/api/v1/metadata', authorization),
    ...metrics.map((name) =>
      upstreams.metrics.getJson<CatalogueEntry>(
        `/v1/metrics/${encodeURIComponent(name)}`,
        authorization,
      ),
    ),
  ]);
  const families = bodyOf(metadata, upstreams.retryAfterSeconds)?.data ?? {};
  metrics.forEach((name, index) => {
    const entry = bodyOf(
      entries[index] as UpstreamResult<CatalogueEntry>,
      upstreams.retryAfterSeconds,
    );
    const unit = typeof entry?.unit === 'string' ? entry.unit : null;
    sources.set(name, unit === null ? null : sourceOf(name, unit, families));
  });
  return sources;
}

function sourceOf(
  metric: string,
  unit: string,
  families: NonNullable<MetadataAnswer['data']>,
): PromSource | null {
  for (const type of TYPES) {
    const [first] = promSeriesNames(metric, unit, type);
    const listed = first === undefined ? undefined : families[first.name];
    if (listed?.some((e) => e.type === promMetadataType(type))) return { unit, type };
  }
  return null;
}

/** The answer's body; undefined for a 404; a throw for what says nothing about the metric. */
function bodyOf<T>(result: UpstreamResult<T>, retryAfterSeconds: number): T | undefined {
  switch (result.kind) {
    case 'ok':
      return result.body;
    case 'not_found':
      return undefined;
    case 'refused':
      if (result.status === 401 || result.status === 403) {
        throw new HttpProblem(
          403,
          'reference_forbidden',
          'Forbidden',
          `metric-aggregation-service refused this token (${result.detail}); the export reads the metrics' Prometheus names with the caller's token, which needs the read scope`,
        );
      }
      throw new UpstreamUnavailable(
        `cannot read the metrics' Prometheus names: metric-aggregation-service answered ${result.status} (${result.detail}); try again later`,
        retryAfterSeconds,
      );
    case 'unavailable':
      throw new UpstreamUnavailable(
        `cannot read the metrics' Prometheus names: ${result.detail}; try again later`,
        retryAfterSeconds,
      );
    default: {
      const never: never = result;
      return never;
    }
  }
}

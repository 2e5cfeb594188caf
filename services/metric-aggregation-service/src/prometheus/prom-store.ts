import type { ServiceContext } from '@obs/service-kit';
import type { PromType } from '../ingest/metric-stream.js';
import { matches } from './promql/parse.js';
import type { LabelMatcher } from './promql/ast.js';
import type { Querier, QueryLimits } from './promql/engine.js';
import { execution } from './promql/errors.js';
import { METRIC_NAME, type Labels } from './promql/labels.js';
import type { SeriesData } from './promql/values.js';
import { formatValue } from './format.js';
import {
  promMetadataType,
  promFamilyName,
  promLabels,
  promSeriesNames,
  type PromSeriesPart,
} from './names.js';

/**
 * The Prometheus types exposed as series: every cumulative type (docs/services/metric-aggregation.md
 * #name-mapping). Histograms give `_bucket{le}`, `_sum`, `_count`; exponential histograms and
 * summaries `_sum` and `_count`.
 */
const EXPOSED: ReadonlySet<PromType> = new Set([
  'gauge',
  'counter',
  'histogram',
  'exponential_histogram',
  'summary',
]);

/** `raw_points.prom` of a cumulative histogram: per-bucket counts (not cumulative) and bounds. */
interface PromHistogram {
  count: number;
  sum: number;
  bounds?: number[];
  buckets?: number[];
}

interface StreamRow {
  id: string;
  metric_name: string;
  unit: string;
  prom_type: PromType;
  dimensions: Record<string, string>;
  attributes: Record<string, string>;
}

/** A stream as Prometheus series: its labels (with __name__) and where its values come from. */
export interface PromSeries {
  readonly streamId: string;
  readonly labels: Labels;
  readonly type: PromType;
  /** Which of the stream's values the series holds. */
  readonly part: PromSeriesPart;
  /** A `_bucket` series' upper bound (its `le`). */
  readonly upperBound?: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  readonly unit: string;
}

/**
 * The tenant's MetricSeries data as Prometheus series. Every statement filters on the tenant from
 * the token, so nothing of another tenant can be selected, listed or counted.
 */
export class PromStore {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly tenantId: string,
  ) {}

  /** The tenant's metric families: (metric, unit, Prometheus type) with their series names. */
  private async families(): Promise<
    { metric: string; unit: string; type: PromType; names: string[] }[]
  > {
    const rows: { metric_name: string; unit: string; prom_type: PromType }[] =
      await this.ctx.dataSource.query(
        `SELECT DISTINCT metric_name, unit, prom_type FROM ${this.ctx.table('streams')}
          WHERE tenant_id = $1 AND prom_type = ANY($2::text[])`,
        [this.tenantId, [...EXPOSED]],
      );
    return rows.map((r) => ({
      metric: r.metric_name,
      unit: r.unit,
      type: r.prom_type,
      names: promSeriesNames(r.metric_name, r.unit, r.prom_type).map((s) => s.name),
    }));
  }

  /**
   * The series whose labels satisfy every matcher, optionally only those with a point in
   * [from, to]. More than `maxSeries` answers the too-many-series error.
   */
  async series(
    matchers: readonly LabelMatcher[],
    maxSeries: number,
    range?: { from: number; to: number },
    pointRange?: { from: number; to: number },
  ): Promise<PromSeries[]> {
    const nameMatchers = matchers.filter((m) => m.name === METRIC_NAME);
    const families = (await this.families()).filter((f) =>
      f.names.some((n) => nameMatchers.every((m) => matches(m, n))),
    );
    if (families.length === 0) return [];
    const rows: StreamRow[] = await this.ctx.dataSource.query(
      `SELECT s.id, s.metric_name, s.unit, s.prom_type, s.dimensions, s.attributes
         FROM ${this.ctx.table('streams')} s
        WHERE s.tenant_id = $1 AND s.metric_name = ANY($2::text[]) AND s.prom_type = ANY($3::text[])
          ${range ? 'AND s.last_point_at >= $4' : ''}
        ORDER BY s.id`,
      range
        ? [this.tenantId, families.map((f) => f.metric), [...EXPOSED], new Date(range.from)]
        : [this.tenantId, families.map((f) => f.metric), [...EXPOSED]],
    );
    const wanted = new Set(families.map((f) => `${f.metric}\u0000${f.unit}\u0000${f.type}`));
    const kept = rows.filter((row) =>
      wanted.has(`${row.metric_name}\u0000${row.unit}\u0000${row.prom_type}`),
    );
    const bounds = await this.bucketBounds(
      kept.filter((row) => row.prom_type === 'histogram').map((row) => row.id),
      range ?? pointRange,
    );
    const out: PromSeries[] = [];
    for (const row of kept) {
      const base = promLabels(row.dimensions, row.attributes);
      for (const { name, part } of promSeriesNames(row.metric_name, row.unit, row.prom_type)) {
        const upperBounds = part === 'bucket' ? (bounds.get(row.id) ?? []) : [undefined];
        for (const upperBound of upperBounds) {
          const labels: Record<string, string> = { ...base, [METRIC_NAME]: name };
          if (upperBound !== undefined) labels.le = formatValue(upperBound);
          if (!matchers.every((m) => matches(m, labels[m.name] ?? ''))) continue;
          out.push({
            streamId: row.id,
            labels,
            type: row.prom_type,
            part,
            ...(upperBound === undefined ? {} : { upperBound }),
          });
          if (out.length > maxSeries) return out;
        }
      }
    }
    if (range === undefined || out.length === 0) return out;
    const present: { id: string }[] = await this.ctx.dataSource.query(
      `SELECT s.id FROM unnest($2::text[]) AS s(id)
        WHERE EXISTS (SELECT 1 FROM ${this.ctx.table('raw_points')} r
                       WHERE r.stream_id = s.id AND r.tenant_id = $1
                         AND r.observed_at >= $3 AND r.observed_at <= $4)`,
      [
        this.tenantId,
        [...new Set(out.map((s) => s.streamId))],
        new Date(range.from),
        new Date(range.to),
      ],
    );
    const ids = new Set(present.map((p) => p.id));
    return out.filter((s) => ids.has(s.streamId));
  }

  /**
   * The `le` bounds each histogram stream's points had (within the range, when given), sorted,
   * +Inf last: a point's buckets are its bounds and the +Inf bucket, so a stream whose bounds
   * changed has the series of both layouts, as Prometheus would after a client changed them.
   */
  private async bucketBounds(
    streamIds: readonly string[],
    range?: { from: number; to: number },
  ): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (streamIds.length === 0) return out;
    const rows: { stream_id: string; bounds: number[] | null }[] = await this.ctx.dataSource.query(
      `SELECT DISTINCT stream_id, prom->'bounds' AS bounds FROM ${this.ctx.table('raw_points')}
        WHERE tenant_id = $1 AND stream_id = ANY($2::text[]) AND prom ? 'bounds'
          ${range ? 'AND observed_at >= $3 AND observed_at <= $4' : ''}`,
      range
        ? [
            this.tenantId,
            [...streamIds],
            new Date(clampMs(range.from)),
            new Date(clampMs(range.to)),
          ]
        : [this.tenantId, [...streamIds]],
    );
    const sets = new Map<string, Set<number>>();
    for (const row of rows) {
      let set = sets.get(row.stream_id);
      if (set === undefined) {
        set = new Set([Infinity]);
        sets.set(row.stream_id, set);
      }
      for (const b of row.bounds ?? []) set.add(b);
    }
    for (const [id, set] of sets)
      out.set(
        id,
        [...set].sort((a, b) => a - b),
      );
    return out;
  }

  /** Samples of the matching series with minT < t ≤ maxT (ms), one per millisecond (the last received). */
  async select(
    matchers: readonly LabelMatcher[],
    minT: number,
    maxT: number,
    limits: QueryLimits,
  ): Promise<SeriesData[]> {
    const series = await this.series(matchers, limits.maxSeries, undefined, {
      from: minT,
      to: maxT,
    });
    if (series.length > limits.maxSeries) {
      throw execution('query processing would load too many series into memory in query execution');
    }
    if (series.length === 0) return [];
    const rows: { stream_id: string; t: string; value: number; prom: unknown }[] =
      await this.ctx.dataSource.query(
        `SELECT stream_id, (extract(epoch FROM observed_at) * 1000)::bigint AS t, value, prom
           FROM ${this.ctx.table('raw_points')}
          WHERE tenant_id = $1 AND stream_id = ANY($2::text[])
            AND observed_at > $3 AND observed_at <= $4
          ORDER BY stream_id, observed_at, id
          LIMIT $5`,
        [
          this.tenantId,
          [...new Set(series.map((s) => s.streamId))],
          new Date(clampMs(minT)),
          new Date(clampMs(maxT)),
          limits.maxSamples + 1,
        ],
      );
    if (rows.length > limits.maxSamples) {
      throw execution(
        'query processing would load too many samples into memory in query execution',
      );
    }
    const byStream = new Map<string, { t: number; prom: unknown; value: number }[]>();
    for (const row of rows) {
      let list = byStream.get(row.stream_id);
      if (list === undefined) {
        list = [];
        byStream.set(row.stream_id, list);
      }
      list.push({ t: Number(row.t), prom: row.prom, value: row.value });
    }
    return series.flatMap((s) => {
      const t: number[] = [];
      const v: number[] = [];
      for (const point of byStream.get(s.streamId) ?? []) {
        const value = sampleOf(s, point.prom, point.value);
        if (value === undefined) continue;
        const n = t.length;
        // One sample per millisecond, as a Prometheus series holds: the last one received.
        if (n > 0 && t[n - 1] === point.t) v[n - 1] = value;
        else {
          t.push(point.t);
          v.push(value);
        }
      }
      return t.length === 0 ? [] : [{ labels: s.labels, t, v }];
    });
  }

  /** The tenant's metric families for /metadata, by the name their series are queried by. */
  async metadata(): Promise<MetricFamily[]> {
    return (await this.families()).map((f) => ({
      // A histogram or summary is one family under its own name (`x`, not `x_bucket`), as
      // Prometheus lists a scraped one; a counter and a gauge under the name they are queried by.
      name:
        f.type === 'gauge' || f.type === 'counter'
          ? (f.names[0] as string)
          : promFamilyName(f.metric, f.unit, f.type),
      type: promMetadataType(f.type),
      unit: '',
    }));
  }
}

/**
 * One point's sample in one series: a gauge's value; a counter's cumulative total as received
 * (`prom`); a histogram's `_bucket{le}` the cumulative count of the buckets up to `le` (the count
 * for +Inf; nothing when the point's bounds lack `le`), `_sum` and `_count` as received.
 */
function sampleOf(series: PromSeries, prom: unknown, value: number): number | undefined {
  if (series.type === 'gauge') return value;
  if (series.type === 'counter') return typeof prom === 'number' ? prom : undefined;
  if (prom === null || typeof prom !== 'object') return undefined;
  const h = prom as PromHistogram;
  switch (series.part) {
    case 'sum':
      return h.sum;
    case 'count':
      return h.count;
    case 'bucket': {
      const le = series.upperBound as number;
      if (le === Infinity) return h.count;
      const i = (h.bounds ?? []).indexOf(le);
      if (i < 0) return undefined;
      let cumulative = 0;
      for (let k = 0; k <= i; k++) cumulative += h.buckets?.[k] ?? 0;
      return cumulative;
    }
    default:
      return undefined;
  }
}

/** The store as the evaluator's Querier, for one tenant. */
export function querierFor(store: PromStore): Querier {
  return { select: (matchers, minT, maxT, limits) => store.select(matchers, minT, maxT, limits) };
}

/** Offsets and ranges can reach past the dates points can have (years 1 to 9999): clamp. */
function clampMs(ms: number): number {
  return Math.min(253_402_300_799_999, Math.max(-62_135_596_800_000, ms));
}

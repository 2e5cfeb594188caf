import type { ServiceContext } from '@obs/service-kit';
import type { PromType } from '../ingest/metric-stream.js';
import { matches } from './promql/parse.js';
import type { LabelMatcher } from './promql/ast.js';
import type { Querier, QueryLimits } from './promql/engine.js';
import { execution } from './promql/errors.js';
import { METRIC_NAME, type Labels } from './promql/labels.js';
import type { SeriesData } from './promql/values.js';
import { promMetadataType, promFamilyName, promLabels, promSeriesNames } from './names.js';

/** The Prometheus types this version exposes as series (docs: histograms and summaries are not yet). */
const EXPOSED: ReadonlySet<PromType> = new Set(['gauge', 'counter']);

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
    const out: PromSeries[] = [];
    for (const row of rows) {
      if (!wanted.has(`${row.metric_name}\u0000${row.unit}\u0000${row.prom_type}`)) continue;
      const base = promLabels(row.dimensions, row.attributes);
      for (const { name } of promSeriesNames(row.metric_name, row.unit, row.prom_type)) {
        const labels: Record<string, string> = { ...base, [METRIC_NAME]: name };
        if (!matchers.every((m) => matches(m, labels[m.name] ?? ''))) continue;
        out.push({ streamId: row.id, labels, type: row.prom_type });
        if (out.length > maxSeries) return out;
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

  /** Samples of the matching series with minT < t ≤ maxT (ms), one per millisecond (the last received). */
  async select(
    matchers: readonly LabelMatcher[],
    minT: number,
    maxT: number,
    limits: QueryLimits,
  ): Promise<SeriesData[]> {
    const series = await this.series(matchers, limits.maxSeries);
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
    const types = new Map(series.map((s) => [s.streamId, s.type]));
    const byStream = new Map<string, { t: number[]; v: number[] }>();
    for (const row of rows) {
      // A counter's sample is its cumulative total as received; a gauge's its value.
      const value =
        types.get(row.stream_id) === 'counter'
          ? typeof row.prom === 'number'
            ? row.prom
            : undefined
          : row.value;
      if (value === undefined) continue;
      let samples = byStream.get(row.stream_id);
      if (samples === undefined) {
        samples = { t: [], v: [] };
        byStream.set(row.stream_id, samples);
      }
      const t = Number(row.t);
      const n = samples.t.length;
      // One sample per millisecond, as a Prometheus series holds: the last one received.
      if (n > 0 && samples.t[n - 1] === t) samples.v[n - 1] = value;
      else {
        samples.t.push(t);
        samples.v.push(value);
      }
    }
    return series.flatMap((s) => {
      const samples = byStream.get(s.streamId);
      return samples === undefined ? [] : [{ labels: s.labels, t: samples.t, v: samples.v }];
    });
  }

  /** The tenant's metric families for /metadata, by the name their series are queried by. */
  async metadata(): Promise<MetricFamily[]> {
    return (await this.families()).map((f) => ({
      name: f.names[0] ?? promFamilyName(f.metric, f.unit, f.type),
      type: promMetadataType(f.type),
      unit: '',
    }));
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

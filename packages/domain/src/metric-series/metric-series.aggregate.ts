import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { dimensionKey } from '../kernel/telemetry-dimensions.js';
import {
  parseInstant,
  rangeContains,
  toIso,
  type Window,
  type WindowSize,
} from '../kernel/time.js';
import { aggregate, type AggregatedValues } from './metric-aggregation.js';
import { metricGroup, metricName } from './metric-key.js';
import {
  metricPoint,
  metricPointSnapshot,
  type MetricPoint,
  type MetricPointInput,
  type MetricPointSnapshot,
} from './metric-point.entity.js';
import { METRIC_SERIES_AGGREGATE_TYPE, type MetricSeriesEvent } from './metric-series.events.js';
import { metricUnit } from './metric-unit.js';
import { metricWindow } from './metric-window.js';
import { metricSeriesId } from './series-id.js';
import { windowSummary, type WindowSummary } from './window-summary.js';

/**
 * docs/design.md#metric-series: a window closes at its end plus this grace, in event time. 15 s
 * lets the points of one window arrive out of order across a tenant's senders (batching exporters,
 * retries) and, with the service's 5 s idle close, keeps a 1-minute window's alert within 90 s of
 * a spike (docs/services/metric-aggregation.md#timeliness).
 */
export const METRIC_WINDOW_GRACE_MS = 15_000;

export interface OpenMetricSeriesInput {
  readonly tenantId: string;
  readonly projectId: string;
  readonly metricName: string;
  readonly unit: string;
  readonly window: string;
  /** ISO-8601 UTC, aligned to the window size. */
  readonly windowStart: string;
  readonly group: Readonly<Record<string, string>>;
  /** Points already known, in any order. */
  readonly points?: readonly MetricPointInput[];
}

export type MetricSeriesStatus = 'open' | 'closed';

/** `windowEnd`, `groupKey` and `values` are derived; rehydrate recomputes them. */
export interface MetricSeriesSnapshot {
  seriesId: string;
  tenantId: string;
  projectId: string;
  metricName: string;
  unit: string;
  window: WindowSize;
  windowStart: string;
  windowEnd: string;
  groupKey: string;
  group: Record<string, string>;
  points: MetricPointSnapshot[];
  status: MetricSeriesStatus;
  closedAt: string | null;
  values: AggregatedValues;
}

interface SeriesIdentity {
  readonly seriesId: string;
  readonly tenant: TenantId;
  readonly projectId: string;
  readonly metricName: string;
  readonly unit: string;
  readonly window: Window;
  readonly group: Readonly<Record<string, string>>;
  readonly groupKey: string;
}

/**
 * One metric over one tumbling window for one group. Points are kept sorted by timestamp with at
 * most one point per instant, so the closed window's values depend only on which points were
 * accepted, never on the order they arrived in.
 */
export class MetricSeries extends AggregateRoot<MetricSeriesEvent> {
  private constructor(
    private readonly identity: SeriesIdentity,
    private readonly pointList: MetricPoint[],
    private closedAtMs: number | null,
    /** Set when the window was aggregated outside (a sketch): then it holds no points. */
    private readonly summary: WindowSummary | null = null,
  ) {
    super();
  }

  /** Opening a window records nothing: only its close is a fact others act on. */
  static create(input: OpenMetricSeriesInput): MetricSeries {
    const series = new MetricSeries(MetricSeries.identify(input), [], null);
    for (const point of input.points ?? []) series.recordPoint(point);
    return series;
  }

  /**
   * An open window whose values were computed by the service from a mergeable sketch (DDSketch)
   * rather than from its points, which are too many to hold. It accepts no points; closing it
   * records MetricAggregated with the summary's values, min, max and exemplars.
   */
  static summarised(
    input: Omit<OpenMetricSeriesInput, 'points'> & { readonly summary: WindowSummary },
  ): MetricSeries {
    return new MetricSeries(MetricSeries.identify(input), [], null, windowSummary(input.summary));
  }

  static rehydrate(snapshot: MetricSeriesSnapshot): MetricSeries {
    const identity = MetricSeries.identify(snapshot);
    ensure(
      snapshot.seriesId === identity.seriesId,
      'metric.series_id_mismatch',
      'seriesId does not match its (tenant, project, metric, window, group)',
      { seriesId: snapshot.seriesId, expected: identity.seriesId },
    );
    ensure(
      (snapshot.status === 'closed') === (snapshot.closedAt !== null),
      'metric.invalid_status',
      'a series is closed exactly when it has closedAt',
    );
    const points = snapshot.points.map((p) => metricPoint(p, identity.unit));
    points.forEach((p, i) => {
      const previous = points[i - 1];
      ensure(
        previous === undefined || previous.timestamp !== p.timestamp,
        'metric.point_overlap',
        'two stored points share a timestamp',
        { timestamp: toIso(p.timestamp) },
      );
      ensure(
        previous === undefined || previous.timestamp < p.timestamp,
        'metric.points_unordered',
        'stored points must be in ascending timestamp order',
        { timestamp: toIso(p.timestamp) },
      );
      MetricSeries.ensureInWindow(identity.window, p);
    });
    const closedAt =
      snapshot.closedAt === null ? null : parseInstant(snapshot.closedAt, 'closedAt');
    return new MetricSeries(identity, points, closedAt);
  }

  private static identify(input: Omit<OpenMetricSeriesInput, 'points'>): SeriesIdentity {
    const tenant = toTenantId(input.tenantId);
    const projectId = requiredText(input.projectId, 'projectId', 'metric.invalid_project_id');
    const name = metricName(input.metricName);
    const unit = metricUnit(input.unit);
    const window = metricWindow(input.window, input.windowStart);
    const group = metricGroup(input.group);
    const groupKey = dimensionKey(group);
    const seriesId = metricSeriesId({
      tenantId: tenant,
      projectId,
      metricName: name,
      window: window.size,
      windowStart: toIso(window.start),
      groupKey,
    });
    return { seriesId, tenant, projectId, metricName: name, unit, window, group, groupKey };
  }

  private static ensureInWindow(window: Window, point: MetricPoint): void {
    ensure(
      rangeContains({ from: window.start, to: window.end }, point.timestamp),
      'metric.point_outside_window',
      'the point lies outside the window [windowStart, windowEnd)',
      { timestamp: toIso(point.timestamp), windowStart: toIso(window.start) },
    );
  }

  /**
   * Adds one point. A second point at an instant already held is refused, even with the same
   * value: the sender learns it was not counted twice. Late points after close are refused.
   */
  recordPoint(input: MetricPointInput): void {
    ensure(
      this.summary === null,
      'metric.summarised_series',
      'a summarised window takes no points; merge them into its sketch instead',
      { seriesId: this.identity.seriesId },
    );
    ensure(this.closedAtMs === null, 'metric.window_closed', 'the window is already closed', {
      seriesId: this.identity.seriesId,
    });
    const point = metricPoint(input, this.identity.unit);
    MetricSeries.ensureInWindow(this.identity.window, point);
    const at = insertionIndex(this.pointList, point.timestamp);
    const clash = this.pointList[at];
    ensure(
      clash === undefined || clash.timestamp !== point.timestamp,
      'metric.point_overlap',
      'a point already exists at this timestamp',
      { timestamp: input.timestamp, duplicate: clash?.value === point.value },
    );
    this.pointList.splice(at, 0, point);
  }

  /**
   * Closes the window once event time has passed its end plus grace, and records
   * MetricAggregated with the values of every accepted point.
   */
  close(at: string, graceMs: number = METRIC_WINDOW_GRACE_MS): AggregatedValues {
    const when = parseInstant(at, 'at');
    ensure(
      Number.isFinite(graceMs) && graceMs >= 0,
      'metric.invalid_grace',
      'grace must be ≥ 0 ms',
      { graceMs },
    );
    ensure(this.closedAtMs === null, 'metric.window_closed', 'the window is already closed', {
      seriesId: this.identity.seriesId,
    });
    ensure(
      when >= this.identity.window.end + graceMs,
      'metric.window_still_open',
      'a window closes only after its end plus grace',
      { at, closesAt: toIso(this.identity.window.end + graceMs) },
    );
    const values = this.values;
    this.closedAtMs = when;
    const id = this.identity;
    this.record({
      eventType: 'MetricAggregated',
      aggregateType: METRIC_SERIES_AGGREGATE_TYPE,
      aggregateId: id.seriesId,
      tenantId: id.tenant,
      traceId: null,
      occurredAt: toIso(when),
      payload: {
        seriesId: id.seriesId,
        metricName: id.metricName,
        unit: id.unit,
        window: id.window.size,
        windowStart: toIso(id.window.start),
        windowEnd: toIso(id.window.end),
        groupKey: id.groupKey,
        group: { ...id.group },
        projectId: id.projectId,
        values,
        ...(this.summary === null
          ? {}
          : { exemplars: this.summary.exemplars.map((e) => ({ ...e })) }),
      },
    });
    return values;
  }

  get seriesId(): string {
    return this.identity.seriesId;
  }
  get tenantId(): TenantId {
    return this.identity.tenant;
  }
  get projectId(): string {
    return this.identity.projectId;
  }
  get metricName(): string {
    return this.identity.metricName;
  }
  get unit(): string {
    return this.identity.unit;
  }
  get window(): Window {
    return this.identity.window;
  }
  get groupKey(): string {
    return this.identity.groupKey;
  }
  get group(): Readonly<Record<string, string>> {
    return this.identity.group;
  }
  get points(): readonly MetricPoint[] {
    return [...this.pointList];
  }
  get status(): MetricSeriesStatus {
    return this.closedAtMs === null ? 'open' : 'closed';
  }
  /** The values so far; final once the series is closed. */
  get values(): AggregatedValues {
    return this.summary?.values ?? aggregate(this.pointList.map((p) => p.value));
  }

  toSnapshot(): MetricSeriesSnapshot {
    const id = this.identity;
    return {
      seriesId: id.seriesId,
      tenantId: id.tenant,
      projectId: id.projectId,
      metricName: id.metricName,
      unit: id.unit,
      window: id.window.size,
      windowStart: toIso(id.window.start),
      windowEnd: toIso(id.window.end),
      groupKey: id.groupKey,
      group: { ...id.group },
      points: this.pointList.map(metricPointSnapshot),
      status: this.status,
      closedAt: this.closedAtMs === null ? null : toIso(this.closedAtMs),
      values: this.values,
    };
  }
}

/** First index whose timestamp is ≥ `timestamp` (binary search over the sorted points). */
function insertionIndex(points: readonly MetricPoint[], timestamp: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((points[mid] as MetricPoint).timestamp < timestamp) low = mid + 1;
    else high = mid;
  }
  return low;
}

import type {
  CorrelationKind,
  TelemetryCorrelationSnapshot,
  TelemetryDimensions,
} from '@obs/domain';
import { STORES } from './correlation-facts.js';

/** A link to one record of another service. */
export interface LinkView {
  readonly kind: CorrelationKind;
  readonly targetId: string;
  readonly store: string;
}

/** One window of one metric series, where an exemplar of the trace was measured. */
export interface MetricLinkView extends LinkView {
  readonly series: {
    readonly seriesId: string;
    readonly metricName: string;
    readonly window: string;
    readonly windowStart: string;
    readonly windowEnd: string;
    readonly groupKey: string;
    readonly group: Readonly<Record<string, string>>;
    readonly projectId: string;
  };
}

/**
 * Records found by asking their owning service about the trace, not stored as links: logs (the
 * log context publishes no events; docs/design.md#telemetry-correlation joins them in through
 * log-query-service by traceId) and the costs recorded against the trace.
 */
export interface QueryLinkView {
  readonly store: string;
  /** The owning service's path that answers them, relative to its base URL. */
  readonly path: string;
}

export interface CorrelationView {
  readonly traceId: string;
  readonly tenantId: string;
  /** The trace's project once it is recorded; before that the least project a linked record names. */
  readonly projectId: string | null;
  /** The trace's eleven dimensions; null until TraceRecorded is seen. */
  readonly dimensions: TelemetryDimensions | null;
  readonly links: {
    readonly trace: LinkView | null;
    readonly logReferences: QueryLinkView;
    readonly metricSeries: readonly MetricLinkView[];
    readonly incidents: readonly LinkView[];
    readonly feedback: readonly LinkView[];
    readonly costSignals: readonly LinkView[];
    readonly costs: QueryLinkView;
  };
  readonly updatedAt: string;
  readonly version: number;
}

const plain = (link: TelemetryCorrelationSnapshot['links'][number]): LinkView => ({
  kind: link.kind,
  targetId: link.targetId,
  store: link.store,
});

function metricView(link: TelemetryCorrelationSnapshot['links'][number]): MetricLinkView {
  const locator = link.locator ?? {};
  const group: Record<string, string> = {};
  for (const [key, value] of Object.entries(locator)) {
    if (key.startsWith('group.')) group[key.slice('group.'.length)] = value;
  }
  return {
    ...plain(link),
    series: {
      seriesId: locator.seriesId ?? '',
      metricName: locator.metricName ?? '',
      window: locator.window ?? '',
      windowStart: locator.windowStart ?? '',
      windowEnd: locator.windowEnd ?? '',
      groupKey: locator.groupKey ?? '',
      group,
      projectId: locator.projectId ?? '',
    },
  };
}

export function viewOfSnapshot(
  snapshot: TelemetryCorrelationSnapshot,
  version: number,
): CorrelationView {
  const of = (kind: CorrelationKind) => snapshot.links.filter((l) => l.kind === kind);
  const trace = of('trace')[0];
  const traceId = encodeURIComponent(snapshot.traceId);
  return {
    traceId: snapshot.traceId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    dimensions: snapshot.dimensions,
    links: {
      trace: trace === undefined ? null : plain(trace),
      logReferences: { store: STORES.log, path: `/v1/log-references?traceId=${traceId}` },
      metricSeries: of('metric').map(metricView),
      incidents: of('incident').map(plain),
      feedback: of('feedback').map(plain),
      costSignals: of('cost').map(plain),
      costs: { store: STORES.cost, path: `/v1/costs/by-trace/${traceId}` },
    },
    updatedAt: snapshot.updatedAt,
    version,
  };
}

import type { CorrelationKind } from '@obs/domain';
import { mapWithLimit, UpstreamClient, type UpstreamResult } from '@obs/service-kit';
import { LINKED_SERVICES, type CorrelationServiceConfig, type LinkedService } from '../config.js';
import type {
  CorrelationView,
  LinkView,
  MetricLinkView,
  QueryLinkView,
} from '../telemetry-correlation.view.js';

/** Why a linked record is not in the answer. */
export type MissingReason = 'unavailable' | 'not_found' | 'refused';

export interface MissingLink {
  readonly service: LinkedService;
  readonly link: { readonly kind: CorrelationKind; readonly targetId: string };
  readonly reason: MissingReason;
  readonly detail: string;
}

type WithRecord<L> = L & { record?: unknown };

export interface ExpandedView extends Omit<CorrelationView, 'links'> {
  readonly links: {
    readonly trace: WithRecord<LinkView> | null;
    readonly logReferences: WithRecord<QueryLinkView>;
    readonly metricSeries: readonly WithRecord<MetricLinkView>[];
    readonly incidents: readonly WithRecord<LinkView>[];
    readonly feedback: readonly WithRecord<LinkView>[];
    readonly costSignals: readonly WithRecord<LinkView>[];
    readonly costs: WithRecord<QueryLinkView>;
  };
  /** Every link whose record could not be fetched; empty when the answer is complete. */
  readonly missing: readonly MissingLink[];
}

/** Metric windows are shown as their average; the exemplar sits on that line in a graph. */
export const METRIC_AGGREGATION = 'avg';

/** How many upstream reads one expanded answer runs at once. */
const CONCURRENCY = 8;

interface Fetch {
  readonly service: LinkedService;
  readonly link: MissingLink['link'];
  readonly read: () => Promise<UpstreamResult<unknown>>;
  /** Turns the upstream body into the record, or says why it is not there. */
  readonly pick?: (body: unknown) => { record: unknown } | { missing: string };
  readonly into: { record?: unknown };
}

interface MetricSeriesBody {
  readonly series?: unknown;
}

/**
 * Fetches each linked record from its owning service with the caller's Authorization header, so
 * the upstream applies the caller's tenant and scopes: a record of another tenant is as missing
 * as an unknown one. A service that is down, slow or refusing costs only its own links: they are
 * listed in `missing` (service, link, reason) and the rest of the answer stands. Never a throw.
 */
export class CorrelationExpander {
  private readonly clients: Readonly<Record<LinkedService, UpstreamClient>>;

  constructor(config: CorrelationServiceConfig) {
    this.clients = Object.fromEntries(
      LINKED_SERVICES.map((name) => [
        name,
        new UpstreamClient(name, config.upstreams[name], { timeoutMs: config.upstreamTimeoutMs }),
      ]),
    ) as Record<LinkedService, UpstreamClient>;
  }

  async expand(view: CorrelationView, authorization: string | undefined): Promise<ExpandedView> {
    const get = (service: LinkedService, path: string, query?: Record<string, string>) => () =>
      this.clients[service].getJson<unknown>(path, authorization, query);
    const copy = <L extends object>(link: L): WithRecord<L> => ({ ...link });
    const links = {
      trace: view.links.trace === null ? null : copy(view.links.trace),
      logReferences: copy(view.links.logReferences),
      metricSeries: view.links.metricSeries.map(copy),
      incidents: view.links.incidents.map(copy),
      feedback: view.links.feedback.map(copy),
      costSignals: view.links.costSignals.map(copy),
      costs: copy(view.links.costs),
    };
    const id = encodeURIComponent;
    const traceLink = { kind: 'trace', targetId: view.traceId } as const;
    const fetches: Fetch[] = [
      ...(links.trace === null
        ? []
        : [
            {
              service: 'trace-service' as const,
              link: traceLink,
              read: get('trace-service', `/v1/traces/${id(view.traceId)}`),
              into: links.trace,
            },
          ]),
      {
        service: 'log-query-service',
        link: { kind: 'log', targetId: view.traceId },
        read: get('log-query-service', '/v1/log-references', {
          traceId: view.traceId,
          limit: '500',
        }),
        into: links.logReferences,
      },
      ...links.metricSeries.map((metric) => ({
        service: 'metric-aggregation-service' as const,
        link: { kind: metric.kind, targetId: metric.targetId },
        read: get('metric-aggregation-service', '/v1/metric-series', metricQuery(metric)),
        pick: (body: unknown) => pickSeries(body, metric),
        into: metric,
      })),
      ...links.incidents.map((incident) => ({
        service: 'incident-service' as const,
        link: { kind: incident.kind, targetId: incident.targetId },
        read: get('incident-service', `/v1/incidents/${id(incident.targetId)}`),
        into: incident,
      })),
      ...links.feedback.map((item) => ({
        service: 'feedback-service' as const,
        link: { kind: item.kind, targetId: item.targetId },
        read: get('feedback-service', `/v1/feedback/${id(item.targetId)}`),
        into: item,
      })),
      ...links.costSignals.map((signal) => ({
        service: 'cost-telemetry-service' as const,
        link: { kind: signal.kind, targetId: signal.targetId },
        read: get('cost-telemetry-service', `/v1/cost-signals/${id(signal.targetId)}`),
        into: signal,
      })),
      {
        service: 'cost-telemetry-service',
        link: { kind: 'cost', targetId: view.traceId },
        read: get('cost-telemetry-service', `/v1/costs/by-trace/${id(view.traceId)}`),
        into: links.costs,
      },
    ];

    const missing = await mapWithLimit(fetches, CONCURRENCY, async (fetch) => {
      const result = await fetch.read();
      const missed = (reason: MissingReason, detail: string): MissingLink => ({
        service: fetch.service,
        link: fetch.link,
        reason,
        detail,
      });
      switch (result.kind) {
        case 'ok': {
          const picked = fetch.pick ? fetch.pick(result.body) : { record: result.body };
          if ('missing' in picked) return missed('not_found', picked.missing);
          fetch.into.record = picked.record;
          return undefined;
        }
        case 'not_found':
          return missed('not_found', `${fetch.service} has no such record for the caller`);
        case 'refused':
          return missed('refused', `${fetch.service} answered ${result.status}: ${result.detail}`);
        case 'unavailable':
          return missed('unavailable', result.detail);
        default: {
          const unexpected: never = result;
          return unexpected;
        }
      }
    });
    return { ...view, links, missing: missing.filter((m): m is MissingLink => m !== undefined) };
  }
}

/** metric-aggregation-service's series query for exactly the linked window and group. */
function metricQuery(metric: MetricLinkView): Record<string, string> {
  const { series } = metric;
  const groupBy = Object.keys(series.group).sort().join(',');
  return {
    metricName: series.metricName,
    window: series.window,
    aggregation: METRIC_AGGREGATION,
    ...(groupBy === '' ? {} : { groupBy }),
    from: series.windowStart,
    to: series.windowEnd,
    projectId: series.projectId,
  };
}

/**
 * The linked group's series out of the answer (grouping may return its neighbours too). The body
 * is another service's JSON, so its shape is checked, not assumed.
 */
export function pickSeries(
  body: unknown,
  metric: MetricLinkView,
): { record: unknown } | { missing: string } {
  const answer = typeof body === 'object' && body !== null ? (body as MetricSeriesBody) : {};
  const series: readonly unknown[] = Array.isArray(answer.series) ? answer.series : [];
  const match = series.find(
    (s) =>
      typeof s === 'object' &&
      s !== null &&
      (s as { groupKey?: unknown }).groupKey === metric.series.groupKey,
  );
  if (match === undefined) {
    return {
      missing: `metric-aggregation-service has no window of series ${metric.series.seriesId}`,
    };
  }
  return { record: { ...answer, series: [match] } };
}

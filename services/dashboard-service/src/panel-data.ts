import type { DashboardDefinitionSnapshot, Panel, WindowSize } from '@obs/domain';
import type { UpstreamResult } from '@obs/service-kit';
import { z } from 'zod';
import { seriesSchema, type SERIES_AGGREGATIONS } from './routes/dashboard.schemas.js';
import type { Upstreams } from './upstreams.js';

export type SeriesAggregation = (typeof SERIES_AGGREGATIONS)[number];

/** How long a range each window size serves before the next coarser one (≤ ~360-600 points). */
const HOUR = 3_600_000;
const WINDOW_BY_RANGE: readonly (readonly [maxRangeMs: number, window: WindowSize])[] = [
  [6 * HOUR, '1m'],
  [48 * HOUR, '5m'],
  [60 * 24 * HOUR, '1h'],
];

/** The window a range is plotted in when the caller names none, as Grafana's auto interval does. */
export function defaultWindow(fromMs: number, toMs: number): WindowSize {
  const range = toMs - fromMs;
  return WINDOW_BY_RANGE.find(([max]) => range <= max)?.[1] ?? '1d';
}

const seriesBodySchema = z.object({ series: z.array(seriesSchema) });
const sloBodySchema = z.record(z.string(), z.unknown());

type PanelStatus = 'ok' | 'not_found' | 'refused' | 'unavailable' | 'no_series';

export interface PanelData {
  readonly index: number;
  readonly panelId: number;
  readonly type: Panel['type'];
  readonly title: string | null;
  readonly layout: Panel['layout'];
  readonly source: {
    readonly kind: 'metric' | 'slo' | 'trace';
    readonly metric: string | null;
    readonly sloId: string | null;
    readonly groupBy: string[];
  };
  readonly status: PanelStatus;
  readonly error: string | null;
  readonly series: z.output<typeof seriesSchema>[] | null;
  readonly slo: Record<string, unknown> | null;
}

export interface DataRequest {
  readonly from: string;
  readonly to: string;
  readonly window: WindowSize;
  readonly aggregation: SeriesAggregation;
}

type Fetched =
  | {
      readonly status: 'ok';
      readonly series?: PanelData['series'];
      readonly slo?: PanelData['slo'];
    }
  | { readonly status: Exclude<PanelStatus, 'ok'>; readonly error: string };

/** A 2xx whose body is not the contract's shape is as unusable as a 5xx. */
function fetched<T>(
  result: UpstreamResult<unknown>,
  what: string,
  parse: (body: unknown) => T | undefined,
  ok: (value: T) => Fetched,
): Fetched {
  switch (result.kind) {
    case 'ok': {
      const value = parse(result.body);
      return value === undefined
        ? {
            status: 'unavailable',
            error: `${what}: the owning service answered an unexpected body`,
          }
        : ok(value);
    }
    case 'not_found':
      return { status: 'not_found', error: `${what} is not known (any more) for this tenant` };
    case 'refused':
      return { status: 'refused', error: `${what}: ${result.detail} (${result.status})` };
    case 'unavailable':
      return { status: 'unavailable', error: `${what}: ${result.detail}` };
    default: {
      const never: never = result;
      return never;
    }
  }
}

async function fetchPanel(
  upstreams: Upstreams,
  authorization: string | undefined,
  dashboard: DashboardDefinitionSnapshot,
  panel: Panel,
  request: DataRequest,
): Promise<Fetched> {
  if (panel.metric !== null) {
    const result = await upstreams.metrics.getJson('/v1/metric-series', authorization, {
      metricName: panel.metric,
      window: request.window,
      aggregation: request.aggregation,
      groupBy: panel.groupBy.length > 0 ? panel.groupBy.join(',') : undefined,
      from: request.from,
      to: request.to,
      projectId: dashboard.scope.projectId,
    });
    return fetched(
      result,
      `metric ${panel.metric}`,
      (body) => seriesBodySchema.safeParse(body).data,
      (body) => ({ status: 'ok', series: body.series }),
    );
  }
  if (panel.sloId !== null) {
    const result = await upstreams.slos.getJson(
      `/v1/slos/${encodeURIComponent(panel.sloId)}`,
      authorization,
    );
    return fetched(
      result,
      `SLO ${panel.sloId}`,
      (body) => sloBodySchema.safeParse(body).data,
      (slo) => ({ status: 'ok', slo }),
    );
  }
  return { status: 'no_series', error: 'a trace panel lists traces; it has no series' };
}

/**
 * Every panel's data, fetched in parallel with the caller's token. A panel whose owning service
 * fails is reported in its own entry (status and error); the dashboard as a whole still answers.
 */
export async function dashboardData(
  upstreams: Upstreams,
  authorization: string | undefined,
  dashboard: DashboardDefinitionSnapshot,
  request: DataRequest,
): Promise<PanelData[]> {
  return Promise.all(
    dashboard.panels.map(async (panel, index): Promise<PanelData> => {
      const result = await fetchPanel(upstreams, authorization, dashboard, panel, request);
      return {
        index,
        panelId: index + 1,
        type: panel.type,
        title: panel.title,
        layout: { ...panel.layout },
        source: {
          kind: panel.metric !== null ? 'metric' : panel.sloId !== null ? 'slo' : 'trace',
          metric: panel.metric,
          sloId: panel.sloId,
          groupBy: [...panel.groupBy],
        },
        status: result.status,
        error: result.status === 'ok' ? null : result.error,
        series: result.status === 'ok' ? (result.series ?? null) : null,
        slo: result.status === 'ok' ? (result.slo ?? null) : null,
      };
    }),
  );
}

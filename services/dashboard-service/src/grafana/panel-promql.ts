import {
  DIMENSION_LABEL_NAMES,
  promLabelName,
  promSeriesNames,
  type DashboardScope,
  type Panel,
  type PromType,
} from '@obs/domain';

/**
 * How a metric is exposed on the platform's Prometheus API (metric-aggregation-service,
 * `/prometheus`): its unit (from the catalogue) and Prometheus type (from `/metadata`). With the
 * metric's name they give its series names by the domain's OpenTelemetry → Prometheus rules.
 */
export interface PromSource {
  readonly unit: string;
  readonly type: PromType;
}

/** One Grafana Prometheus query: what a panel's target carries besides its data source. */
export interface PanelQuery {
  readonly expr: string;
  readonly legendFormat: string;
  /** Grafana's query format: a heatmap of a histogram reads its buckets as `heatmap`. */
  readonly format: 'time_series' | 'table' | 'heatmap';
  /** Table panels show the latest values (an instant query), the others a range. */
  readonly instant: boolean;
  readonly range: boolean;
}

/** The quantile a non-heatmap panel of a histogram plots (Grafana's usual latency panel). */
export const HISTOGRAM_QUANTILE = 0.95;

/**
 * Grafana replaces `$__rate_interval` with max(4 × the data source's scrape interval, the step
 * + scrape interval) before it sends a query, so a rate always has at least four samples.
 */
const RATE_RANGE = '$__rate_interval';

/** A dimension name (`service`) or point attribute key (`http.route`) as its label. */
export function labelOf(groupKey: string): string {
  return DIMENSION_LABEL_NAMES[groupKey] ?? promLabelName(groupKey);
}

/** A PromQL string literal (Go's escapes, which JSON's are a subset of for these characters). */
const quoted = (value: string): string => JSON.stringify(value);

/** The dashboard's scope as matchers: its project, and its module when it has one. */
function scopeMatchers(scope: DashboardScope): string {
  const matchers = [`project_id=${quoted(scope.projectId)}`];
  if (scope.moduleId !== null) matchers.push(`module_id=${quoted(scope.moduleId)}`);
  return `{${matchers.join(', ')}}`;
}

/**
 * The panel's PromQL on the platform's own Prometheus API, or null when the panel plots no
 * metric or the metric has no Prometheus series (`source` null: a delta sum, or gone).
 *
 * - gauge: the value; grouped, `sum by (<labels>)`;
 * - counter (`_total`): `rate()` over Grafana's `$__rate_interval`, summed by the labels;
 * - histogram: the p95 by `histogram_quantile` over the bucket rates (`le` kept), a heatmap panel
 *   the bucket rates themselves (format `heatmap`);
 * - summary and exponential histogram (`_sum`/`_count` only): the mean, rate of sum over rate
 *   of count.
 */
export function panelQuery(
  panel: Panel,
  scope: DashboardScope,
  source: PromSource | null,
): PanelQuery | null {
  if (panel.metric === null || source === null) return null;
  const labels = panel.groupBy.map(labelOf);
  const names = promSeriesNames(panel.metric, source.unit, source.type);
  const selector = (name: string) => `${name}${scopeMatchers(scope)}`;
  const rate = (name: string) => `rate(${selector(name)}[${RATE_RANGE}])`;
  const by = (extra: readonly string[]) => [...extra, ...labels].join(', ');
  const grouped = (inner: string, extra: readonly string[] = []) =>
    labels.length > 0 || extra.length > 0 ? `sum by (${by(extra)}) (${inner})` : inner;
  const legend = labels.length > 0 ? labels.map((label) => `{{${label}}}`).join(' ') : '__auto';
  const table = panel.type === 'table';
  const shape = {
    format: table ? ('table' as const) : ('time_series' as const),
    instant: table,
    range: !table,
  };
  const nameOf = (part: string) => names.find((n) => n.part === part)?.name ?? '';

  switch (source.type) {
    case 'gauge':
      return { expr: grouped(selector(nameOf('value'))), legendFormat: legend, ...shape };
    case 'counter':
      return { expr: grouped(rate(nameOf('value'))), legendFormat: legend, ...shape };
    case 'histogram': {
      const buckets = grouped(rate(nameOf('bucket')), ['le']);
      if (panel.type === 'heatmap') {
        return {
          expr: `sum by (le) (${rate(nameOf('bucket'))})`,
          legendFormat: '{{le}}',
          format: 'heatmap',
          instant: false,
          range: true,
        };
      }
      const quantileLegend = labels.length > 0 ? `p95 ${legend}` : 'p95';
      return {
        expr: `histogram_quantile(${HISTOGRAM_QUANTILE}, ${buckets})`,
        legendFormat: quantileLegend,
        ...shape,
      };
    }
    case 'summary':
    case 'exponential_histogram': {
      const sum = grouped(rate(nameOf('sum')));
      const count = grouped(rate(nameOf('count')));
      return { expr: `${sum} / ${count}`, legendFormat: legend, ...shape };
    }
  }
}

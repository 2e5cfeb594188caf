import { createHash } from 'node:crypto';
import {
  DIMENSION_NAMES,
  dimensionKey,
  metricGroup,
  metricName as toMetricName,
  metricUnit,
  type TelemetryDimensions,
} from '@obs/domain';

export const METRIC_KINDS = [
  'gauge',
  'sum',
  'histogram',
  'exponential_histogram',
  'summary',
] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/**
 * The Prometheus type a stream's series are exposed as (OpenTelemetry's Prometheus compatibility
 * rules): gauges and non-monotonic cumulative sums are gauges, monotonic cumulative sums counters
 * (`_total`), cumulative histograms and summaries keep their type. Delta sums and delta histograms
 * have no cumulative value to expose: null, not exposed.
 */
export type PromType = 'gauge' | 'counter' | 'histogram' | 'summary' | 'exponential_histogram';

/**
 * One stream: a metric of one tenant with one set of dimensions and point attributes (a series in
 * Prometheus' sense). Windows are kept per stream; queries group streams by any of their labels.
 */
export interface MetricStream {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly metricName: string;
  readonly unit: string;
  readonly kind: MetricKind;
  readonly dimensions: TelemetryDimensions;
  readonly attributes: Readonly<Record<string, string>>;
  /** Point attributes and the ten dimensions besides the tenant, as given; dimensions win a clash. */
  readonly labels: Readonly<Record<string, string>>;
  /** `labels` with `%`, `,` and `=` percent-encoded: the MetricAggregated group. */
  readonly group: Readonly<Record<string, string>>;
  readonly groupKey: string;
  readonly promType: PromType | null;
}

export interface MetricStreamInput {
  readonly metricName: string;
  readonly unit: string;
  readonly kind: MetricKind;
  readonly dimensions: TelemetryDimensions;
  readonly attributes: Readonly<Record<string, string>>;
  /** Defaults to `gauge` for gauges, null (not exposed to Prometheus) otherwise. */
  readonly promType?: PromType | null;
}

/** `%`, `,` and `=` would let two label sets share a groupKey (see metricGroup); encode them. */
export function encodeGroupPart(part: string): string {
  return part.replaceAll('%', '%25').replaceAll(',', '%2C').replaceAll('=', '%3D');
}

const DIMENSION_LABELS = DIMENSION_NAMES.filter((name) => name !== 'tenantId');
export { DIMENSION_LABELS };

/** Builds (and validates, DomainError) a stream; its id is a hash of tenant, metric and labels. */
export function metricStream(input: MetricStreamInput): MetricStream {
  const metricName = toMetricName(input.metricName);
  const unit = metricUnit(input.unit);
  const labels: Record<string, string> = { ...input.attributes };
  for (const name of DIMENSION_LABELS) labels[name] = input.dimensions[name];
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels))
    encoded[encodeGroupPart(key)] = encodeGroupPart(value);
  const group = metricGroup(encoded);
  const groupKey = dimensionKey(group);
  const tenantId = input.dimensions.tenantId;
  const id = `st_${createHash('sha256').update(`${tenantId.length}:${tenantId}|${metricName.length}:${metricName}|${groupKey}`).digest('hex').slice(0, 32)}`;
  return {
    id,
    tenantId,
    projectId: input.dimensions.projectId,
    metricName,
    unit,
    kind: input.kind,
    dimensions: input.dimensions,
    attributes: input.attributes,
    labels,
    group,
    groupKey,
    promType:
      input.promType !== undefined ? input.promType : input.kind === 'gauge' ? 'gauge' : null,
  };
}

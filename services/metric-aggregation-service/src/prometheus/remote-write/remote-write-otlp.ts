import { DIMENSION_ATTRIBUTE_KEYS, type DimensionName } from '@obs/domain';
import type { OtlpMetricsRequest } from '@obs/service-kit';
import { DIMENSION_LABEL_NAMES, promFamilyName, promSeriesNames } from '../names.js';
import { badData } from '../promql/errors.js';
import { nativeHistogramPoint, type HistogramPoint } from './native-histogram.js';
import type { WriteRequest } from './remote-write-decode.js';

/** MetricMetadata.MetricType.COUNTER and GAUGE (remote.proto). */
const COUNTER = 1;
const GAUGE = 2;

export interface Converted {
  readonly request: OtlpMetricsRequest;
  /** Samples given, and those skipped (staleness markers and other non-finite values). */
  readonly samples: number;
  readonly skipped: number;
}

const LABEL_DIMENSIONS = Object.entries(DIMENSION_LABEL_NAMES).map(
  ([dimension, label]) => [label, dimension as DimensionName] as const,
);

const describe = (labels: Readonly<Record<string, string>>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/**
 * Remote write → an OTLP metrics request for the same ingest path as OTLP (docs: remote write).
 * The ten dimensions come from the labels of the same names the query side gives them
 * (`project_id`, `service_name`, …; a sender sets them as external_labels), the tenant from the
 * token; the other labels are point attributes. A series that lacks a dimension label refuses the
 * whole request (400, naming the series and the labels). A counter (`_total`, or COUNTER in the
 * request's metadata) becomes a monotonic cumulative sum named without `_total`, every other series
 * a gauge under its own name, so the Prometheus API answers each series under the name it was
 * sent with and the same samples. A native histogram becomes a cumulative OTLP histogram of the
 * series' name (native-histogram.ts). Staleness markers and other non-finite samples are skipped
 * (the store holds finite values).
 */
export function remoteWriteToOtlp(write: WriteRequest, tenantId: string): Converted {
  const types = new Map(write.metadata.map((m) => [m.family, m.type]));
  const resources = new Map<
    string,
    {
      attributes: Record<string, string>;
      metrics: Map<
        string,
        { kind: 'counter' | 'gauge' | HistogramPoint['kind']; points: unknown[] }
      >;
    }
  >();
  let samples = 0;
  let skipped = 0;
  for (const series of write.series) {
    const name = series.labels.__name__;
    if (name === undefined || name === '') {
      throw badData(`a series has no __name__ label: ${describe(series.labels)}`);
    }
    const missing = LABEL_DIMENSIONS.filter(([label]) => (series.labels[label] ?? '') === '').map(
      ([label]) => label,
    );
    if (missing.length > 0) {
      throw badData(
        `series ${describe(series.labels)} lacks the dimension labels ${missing.join(', ')} (set them as external_labels)`,
      );
    }
    const attributes: Record<string, string> = { [DIMENSION_ATTRIBUTE_KEYS.tenantId]: tenantId };
    for (const [label, dimension] of LABEL_DIMENSIONS) {
      attributes[DIMENSION_ATTRIBUTE_KEYS[dimension]] = series.labels[label] as string;
    }
    const pointAttributes = Object.entries(series.labels)
      .filter(([k]) => k !== '__name__' && !DIMENSION_LABEL_NAMES_SET.has(k))
      .map(([key, value]) => ({ key, value: { stringValue: value } }));
    const resourceKey = JSON.stringify(attributes);
    let resource = resources.get(resourceKey);
    if (resource === undefined) {
      resource = { attributes, metrics: new Map() };
      resources.set(resourceKey, resource);
    }
    const metricOf = (kind: 'counter' | 'gauge' | HistogramPoint['kind'], otelName: string) => {
      const key = `${kind}:${otelName}`;
      let metric = resource.metrics.get(key);
      if (metric === undefined) {
        metric = { kind, points: [] };
        resource.metrics.set(key, metric);
      }
      return metric;
    };
    for (const h of series.nativeHistograms ?? []) {
      samples++;
      const converted = nativeHistogramPoint(h, () => describe(series.labels));
      if (converted === undefined) {
        skipped++;
        continue;
      }
      // A native histogram is one family under its own name, queried back as <name>_sum, …
      if (promFamilyName(name, '', 'histogram') !== name) {
        throw badData(
          `metric name ${name} cannot be stored under the same name (series ${describe(series.labels)})`,
        );
      }
      metricOf(converted.kind, name).points.push({
        attributes: pointAttributes,
        ...converted.point,
      });
    }
    if (series.samples.length === 0 && series.histograms > 0) continue;
    const declared = types.get(name) ?? types.get(name.replace(/_total$/, ''));
    let counter = declared === COUNTER || (declared !== GAUGE && name.endsWith('_total'));
    let otelName = counter && name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
    if (counter && promSeriesNames(otelName, '', 'counter')[0]?.name !== name) {
      counter = false;
      otelName = name;
    }
    if (!counter && promSeriesNames(otelName, '', 'gauge')[0]?.name !== name) {
      throw badData(
        `metric name ${name} cannot be stored under the same name (series ${describe(series.labels)})`,
      );
    }
    const metric = metricOf(counter ? 'counter' : 'gauge', otelName);
    for (const sample of series.samples) {
      samples++;
      if (sample.stale === true || !Number.isFinite(sample.value)) {
        skipped++;
        continue;
      }
      metric.points.push({
        attributes: pointAttributes,
        timeUnixNano: (BigInt(sample.timestamp) * 1_000_000n).toString(),
        asDouble: sample.value,
      });
    }
  }
  const resourceMetrics = [...resources.values()].map((r) => ({
    resource: {
      attributes: Object.entries(r.attributes).map(([key, value]) => ({
        key,
        value: { stringValue: value },
      })),
    },
    scopeMetrics: [
      {
        metrics: [...r.metrics.entries()]
          .filter(([, m]) => m.points.length > 0)
          .map(([key, m]) => {
            const name = key.slice(key.indexOf(':') + 1);
            switch (m.kind) {
              case 'counter':
                return {
                  name,
                  unit: '',
                  sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: m.points },
                };
              case 'gauge':
                return { name, unit: '', gauge: { dataPoints: m.points } };
              case 'histogram':
                return {
                  name,
                  unit: '',
                  histogram: { aggregationTemporality: 2, dataPoints: m.points },
                };
              case 'exponentialHistogram':
                return {
                  name,
                  unit: '',
                  exponentialHistogram: { aggregationTemporality: 2, dataPoints: m.points },
                };
            }
          }),
      },
    ],
  }));
  return { request: { resourceMetrics } as OtlpMetricsRequest, samples, skipped };
}

const DIMENSION_LABEL_NAMES_SET: ReadonlySet<string> = new Set(
  Object.values(DIMENSION_LABEL_NAMES),
);

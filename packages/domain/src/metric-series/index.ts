export { aggregate, nearestRank, EMPTY_AGGREGATION } from './metric-aggregation.js';
export type { AggregatedValues } from './metric-aggregation.js';
export { AGGREGATION_KINDS, aggregationKind, aggregatedValue } from './aggregation-kind.js';
export type { AggregationKind } from './aggregation-kind.js';
export { metricUnit, isNonNegativeUnit, valueForUnit } from './metric-unit.js';
export { metricName, metricGroup, metricKey } from './metric-key.js';
export type { MetricKey } from './metric-key.js';
export { metricWindow } from './metric-window.js';
export { metricSeriesId } from './series-id.js';
export type { MetricSeriesIdentity } from './series-id.js';
export { metricPoint, metricPointSnapshot } from './metric-point.entity.js';
export type { MetricPoint, MetricPointInput, MetricPointSnapshot } from './metric-point.entity.js';
export { METRIC_SERIES_AGGREGATE_TYPE } from './metric-series.events.js';
export type {
  MetricAggregated,
  MetricAggregatedPayload,
  MetricSeriesEvent,
} from './metric-series.events.js';
export { MetricSeries, METRIC_WINDOW_GRACE_MS } from './metric-series.aggregate.js';
export type {
  MetricSeriesSnapshot,
  MetricSeriesStatus,
  OpenMetricSeriesInput,
} from './metric-series.aggregate.js';
export { windowSummary, METRIC_MAX_EXEMPLARS } from './window-summary.js';
export type { MetricExemplar, SummarisedValues, WindowSummary } from './window-summary.js';
export {
  DIMENSION_LABEL_NAMES,
  promFamilyName,
  promLabelName,
  promLabels,
  promMetadataType,
  promSeriesNames,
  unitSuffix,
} from './prometheus-names.js';
export type { PromSeriesPart, PromType } from './prometheus-names.js';

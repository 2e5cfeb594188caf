/**
 * OpenTelemetry → Prometheus names (docs/services/metric-aggregation.md#name-mapping). The rules
 * live in the domain (`@obs/domain`, metric-series/prometheus-names.ts) because dashboard-service
 * writes PromQL against the same names in its Grafana export; this module keeps the service's
 * imports where they were.
 */
export {
  DIMENSION_LABEL_NAMES,
  promFamilyName,
  promLabelName,
  promLabels,
  promMetadataType,
  promSeriesNames,
  unitSuffix,
  type PromSeriesPart,
} from '@obs/domain';

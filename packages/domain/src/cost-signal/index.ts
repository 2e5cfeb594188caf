export type {
  CostCategory,
  CostPeriod,
  CostBreakdownLine,
  CostLineInput,
  CostAnomaly,
} from './cost-values.js';
export {
  COST_CATEGORIES,
  costCategory,
  costPeriod,
  costBreakdown,
  MAX_ANOMALY_TRACE_IDS,
  costLinesFromInput,
  breakdownTotal,
} from './cost-values.js';
export type { AnomalyOptions, DetectedCostAnomaly } from './cost-anomaly-detection.js';
export { DEFAULT_ANOMALY_OPTIONS, detectAnomalies } from './cost-anomaly-detection.js';
export type {
  CostAnomalyDetectedPayload,
  CostAnomalyDetected,
  CostSignalEvent,
} from './cost-signal.events.js';
export { COST_SIGNAL_AGGREGATE_TYPE } from './cost-signal.events.js';
export type { CreateCostSignalInput, CostSignalSnapshot } from './cost-signal.aggregate.js';
export { CostSignal, costSignalIdFor } from './cost-signal.aggregate.js';

export { LOG_LEVELS, logLevel, logLevelAtLeast } from './log-level.js';
export type { LogLevel } from './log-level.js';
export { logAnalyticsRef } from './log-analytics-ref.js';
export type { LogAnalyticsRef } from './log-analytics-ref.js';
export {
  LOG_RECORD_REFERENCE_AGGREGATE_TYPE,
  LogRecordReference,
} from './log-record-reference.aggregate.js';
export type {
  CreateLogRecordReferenceInput,
  LogRecordReferenceSnapshot,
} from './log-record-reference.aggregate.js';

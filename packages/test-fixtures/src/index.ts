/** Builders and readers of real events for end-to-end tests and benchmarks (never for production code). */
export { metricWindows } from './metric-windows.js';
export type { WindowSpec } from './metric-windows.js';
export { TopicReader } from './topic-reader.js';

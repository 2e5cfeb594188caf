/** Test helpers for services built with the kit (vitest only; not for production code). */
export { startTestService, bearer, TEST_JWT_SECRET } from './test-service.js';
export { expectProblem } from './problem-assertions.js';
export { fuzzWriteRoutes } from './fuzz-write-routes.js';
export type { FuzzOptions, FuzzReport } from './fuzz-write-routes.js';
export { buildEvent } from './event-builders.js';
export type { EventInput } from './event-builders.js';
export { TopicReader } from './topic-reader.js';
export type { ReadRecord } from './topic-reader.js';
export { busMessageOf } from '../outbox/bus-message.js';
export { TestClock } from './test-clock.js';
export { metricWindowEvent, metricWindowMessages } from './metric-windows.js';
export type { MetricWindowInput } from './metric-windows.js';
export { LogAnalyticsStub, staticCredential } from './log-analytics-stub.js';
export type { StubColumn, StubRequest, StubTable } from './log-analytics-stub.js';
export {
  describeRouteAccess,
  documentedOperations,
  fillPlaceholders,
  injectRoute,
  itAnswers401WithForgedToken,
  itAnswers401WithoutToken,
  itAnswers403WithoutScope,
  itAnswers404ForAnotherTenant,
  itLetsThrough,
  openApiDocument,
  quotedRouteName,
  routeName,
} from './route-access.js';
export type {
  LetThrough,
  OpenApiPaths,
  RouteAccessOptions,
  RouteCall,
  RouteCase,
} from './route-access.js';
export { TEST_DIMENSIONS, resourceAttributesOf } from './dimensions.js';
export { postFromLoadThread } from './http-load.js';
export type { HttpLoadOptions, HttpLoadResult } from './http-load.js';

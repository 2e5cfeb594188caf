export { buildService } from './build-service.js';
export { METRICS_PORT_OFFSET, PlatformMetrics } from './metrics/platform-metrics.js';
export { runService } from './run-service.js';
export type {
  RunningService,
  ServiceContext,
  ServiceDefinition,
  ServiceOverrides,
  ServiceParts,
} from './build-service.js';
export { SCOPES, hasScope, scopesOf, scopeText } from './auth/auth.js';
export type { AuthContext, Scope } from './auth/auth.js';
export { readEnv, authConfigFrom, DEV_JWT_SECRET } from './config.js';
export type { Env, AuthConfig } from './config.js';
export { mintToken } from './dev-token.js';
export type { TokenRequest } from './dev-token.js';
export {
  HttpProblem,
  notFound,
  versionConflict,
  uniqueConflict,
  problem,
  PROBLEM_CONTENT_TYPE,
} from './problem.js';
export type { Problem, FieldError } from './problem.js';
export { toProblem } from './error-handler.js';
export { setEtag, ifMatchVersion, assertVersion } from './http/etag.js';
export {
  pageSchema,
  keysetCursor,
  keysetCursorOf,
  keysetPage,
  keysetPageQuery,
  toKeysetPage,
  DEFAULT_LIMIT,
  MAX_LIMIT,
} from './http/pagination.js';
export type { KeysetCursor, KeysetOrder, Page, PageRequest } from './http/pagination.js';
export { canonicalJson } from './http/canonical-json.js';
export { buildDocsHub, DOCS_HUB_PORT } from './http/docs-hub.js';
export type { DocsHubService } from './http/docs-hub.js';
export {
  buildOtlpGateway,
  runOtlpGateway,
  OTLP_GATEWAY_NAME,
  OTLP_GATEWAY_PORT,
  OTLP_ROUTES,
} from './http/otlp-gateway.js';
export type { OtlpGateway, OtlpGatewayOptions } from './http/otlp-gateway.js';
export {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  CORS_METHODS,
} from './http/cors.js';
export {
  IdempotencyKeys,
  idempotencyKeyHeaders,
  keyReused,
  requestHash,
} from './idempotency/idempotency-keys.js';
export { IDEMPOTENCY_PURGE_JOB } from './idempotency/idempotency-purge.job.js';
export { AggregateStore } from './aggregate/aggregate-store.js';
export type { AggregateMapper, EventSource, Versioned } from './aggregate/aggregate-store.js';
export { commandRoute, createRoute, ifMatchHeaders } from './aggregate/aggregate-routes.js';
export type {
  CommandRouteOptions,
  CreateRouteOptions,
  IdempotencyOption,
} from './aggregate/aggregate-routes.js';
export { deleteRoute, getRoute, listRoute } from './aggregate/resource-routes.js';
export type {
  DeleteRouteOptions,
  GetRouteOptions,
  ListRouteOptions,
} from './aggregate/resource-routes.js';
export { callOf, idParams } from './aggregate/route-docs.js';
export type { Call, RouteDocs } from './aggregate/route-docs.js';
export { problems, BODY_PROBLEMS } from './http/problems.js';
export type { ProblemBody, ProblemResponses, StatusNotes } from './http/problems.js';
export { openDataSource, quoteIdent } from './db/data-source.js';
export {
  applyRoleBootstrap,
  passwordEnvName,
  roleBootstrap,
  roleName,
  runRolesCli,
  servicesFromEnv,
} from './db/roles.js';
export type { RoleBootstrap, ServiceRole } from './db/roles.js';
export { UnitOfWork, outboxChannel } from './db/unit-of-work.js';
export type { Transaction, EventOrigin } from './db/unit-of-work.js';
export { saveVersioned } from './db/versioned-save.js';
export { copyField, copyRows } from './db/copy-rows.js';
export type { VersionedRow } from './db/versioned-save.js';
export { OutboxRelay } from './outbox/outbox-relay.js';
export { busMessageOf } from './outbox/bus-message.js';
export type { OutboxRelayOptions } from './outbox/outbox-relay.js';
export { ConsumerRunner } from './consumers/consumer-runner.js';
export { consumerOf } from './consumers/consumer-of.js';
export type { ConsumerOptions, EventHandlers } from './consumers/consumer-of.js';
export type {
  ConsumerDefinition,
  ConsumerRunnerOptions,
  ConsumerStats,
  StartPosition,
} from './consumers/consumer-runner.js';
export { classifyFailure } from './consumers/failure-kind.js';
export type { FailureKind } from './consumers/failure-kind.js';
export { JobRunner } from './jobs/job-runner.js';
export type { JobDefinition, JobStatus } from './jobs/job-runner.js';
export { applyRetention } from './retention/retention.js';
export type { RetentionResult, RetentionSettings, RetentionTarget } from './retention/retention.js';
export { createEventBus } from './bus/create-event-bus.js';
export { kafkaSecurityFrom } from './bus/kafka-security.js';
export {
  deadLetterOf,
  originTopicOf,
  readDeadLetters,
  replayDeadLetters,
  replayOf,
} from './bus/dead-letters.js';
export type { DeadLetter } from './bus/dead-letters.js';
export type { CreateEventBusOptions } from './bus/create-event-bus.js';
export { KafkaEventBus } from './bus/kafka-event-bus.js';
export type { KafkaEventBusOptions } from './bus/kafka-event-bus.js';
export { PostgresEventBus } from './bus/postgres-event-bus.js';
export type { PostgresEventBusOptions } from './bus/postgres-event-bus.js';
export type {
  EventBus,
  BusMessage,
  DeliveredMessage,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './bus/event-bus.js';
export {
  startTelemetry,
  stopTelemetry,
  startConsumerSpan,
  traceparentOf,
  traceIdOf,
} from './telemetry.js';
export { loggerOptions } from './logger.js';
export { otlpIngestRoute, OtlpBackpressureError } from './otlp/otlp-route.js';
export { withOtlpFastPath } from './otlp/otlp-fast-path.js';
export type { OtlpFastPath } from './otlp/otlp-fast-path.js';
export { mapWithLimit } from './concurrency/map-with-limit.js';
export type { OtlpIngestOptions, OtlpIngestResult } from './otlp/otlp-route.js';
export { anyValueOf, attributesToRecord, resourceDimensions } from './otlp/otlp-attributes.js';
export { storableText } from './otlp/storable-text.js';
export type { AttributeValue, ResourceDimensions } from './otlp/otlp-attributes.js';
export { OtlpDecodeError, normalizeMessage } from './otlp/otlp-normalize.js';
export { otlpTypes } from './otlp/otlp-schema.js';
export type { OtlpSignal } from './otlp/otlp-schema.js';
export type * from './otlp/otlp-types.js';
export {
  SERVICE_PORTS,
  UpstreamClient,
  serviceUrl,
  serviceUrlVariable,
} from './http/upstream-client.js';
export type { QueryValue, ServiceName, UpstreamResult } from './http/upstream-client.js';
export { kqlDatetime, kqlLong, kqlString } from './azure/kql-literals.js';
export { azureCredential } from './azure/azure-credential.js';
export type { TokenCredential } from './azure/azure-credential.js';
export { TokenBucket } from './limits/token-bucket.js';
export type { Rate } from './limits/token-bucket.js';
export { IngestLimiter } from './limits/ingest-limiter.js';
export type { IngestDecision, IngestLimiterOptions } from './limits/ingest-limiter.js';
export {
  DEFAULT_LIMITS,
  INGEST_SIGNALS,
  limitsFor,
  parseLimitsFile,
  perReplica,
} from './limits/tenant-limits.js';
export type { IngestSignal, LimitsFile, SignalLimits } from './limits/tenant-limits.js';
export { LimitsFileWatcher } from './limits/limits-file.js';
export {
  IngestLimitError,
  admitIngest,
  bodyBytesOf,
  retryAfterSecondsOf,
} from './limits/ingest-limits.js';
export type { IngestLimitOption } from './limits/ingest-limits.js';
export { OTLP_ITEMS, otlpItemCount } from './otlp/otlp-items.js';

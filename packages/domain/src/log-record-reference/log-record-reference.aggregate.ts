import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import {
  requiredText,
  tenantId as toTenantId,
  traceId as toTraceId,
  type TenantId,
  type TraceId,
} from '../kernel/ids.js';
import {
  telemetryDimensions,
  type TelemetryDimensions,
  type TelemetryDimensionsInput,
} from '../kernel/telemetry-dimensions.js';
import { parseInstant, toIso } from '../kernel/time.js';
import { logAnalyticsRef, type LogAnalyticsRef } from './log-analytics-ref.js';
import { logLevel, type LogLevel } from './log-level.js';

export const LOG_RECORD_REFERENCE_AGGREGATE_TYPE = 'LogRecordReference';

export interface CreateLogRecordReferenceInput {
  /** Chosen by the application (a UUID); the domain has no randomness. */
  readonly referenceId: string;
  readonly tenantId: string;
  /** Typed as optional because log lines without one exist; the domain refuses them. */
  readonly traceId: string | null | undefined;
  readonly level: string;
  readonly timestamp: string;
  readonly logAnalyticsRef: { readonly workspaceId: string; readonly queryHandle: string };
  readonly dimensions: TelemetryDimensionsInput;
}

/** projectId, moduleId and executionId are read from `dimensions`, so they cannot disagree. */
export interface LogRecordReferenceSnapshot {
  referenceId: string;
  tenantId: string;
  traceId: string;
  level: LogLevel;
  timestamp: string;
  logAnalyticsRef: { workspaceId: string; queryHandle: string };
  dimensions: TelemetryDimensions;
}

/**
 * A governed pointer to a Serilog entry in Log Analytics. Immutable once created: state lives in
 * ECMAScript private fields exposed through getters only, so there is no API (typed or not) to
 * change a reference. It records no events (the Logs context is query-only), hence `never`.
 */
export class LogRecordReference extends AggregateRoot<never> {
  readonly #referenceId: string;
  readonly #tenantId: TenantId;
  readonly #traceId: TraceId;
  readonly #level: LogLevel;
  readonly #timestamp: number;
  readonly #ref: LogAnalyticsRef;
  readonly #dimensions: TelemetryDimensions;

  private constructor(input: CreateLogRecordReferenceInput) {
    super();
    const tenant = toTenantId(input.tenantId);
    ensure(
      typeof input.traceId === 'string' && input.traceId.length > 0,
      'log_reference.trace_id_required',
      'a log reference needs a traceId to be correlated',
    );
    const dims = Object.freeze(telemetryDimensions(input.dimensions));
    ensure(
      dims.tenantId === tenant,
      'log_reference.tenant_mismatch',
      'dimensions belong to another tenant',
      { tenantId: tenant, dimensionTenantId: dims.tenantId },
    );
    this.#referenceId = requiredText(
      input.referenceId,
      'referenceId',
      'log_reference.invalid_reference_id',
      128,
    );
    this.#tenantId = tenant;
    this.#traceId = toTraceId(input.traceId);
    this.#level = logLevel(input.level);
    this.#timestamp = parseInstant(input.timestamp, 'timestamp');
    this.#ref = logAnalyticsRef(input.logAnalyticsRef);
    this.#dimensions = dims;
  }

  /** Nothing is recorded: references are an index, not a fact other contexts react to. */
  static create(input: CreateLogRecordReferenceInput): LogRecordReference {
    return new LogRecordReference(input);
  }

  static rehydrate(snapshot: LogRecordReferenceSnapshot): LogRecordReference {
    return new LogRecordReference(snapshot);
  }

  get referenceId(): string {
    return this.#referenceId;
  }
  get tenantId(): TenantId {
    return this.#tenantId;
  }
  get projectId(): string {
    return this.#dimensions.projectId;
  }
  get moduleId(): string {
    return this.#dimensions.moduleId;
  }
  get executionId(): string {
    return this.#dimensions.executionId;
  }
  get traceId(): TraceId {
    return this.#traceId;
  }
  get level(): LogLevel {
    return this.#level;
  }
  get timestamp(): string {
    return toIso(this.#timestamp);
  }
  get logAnalyticsRef(): LogAnalyticsRef {
    return this.#ref;
  }
  get dimensions(): TelemetryDimensions {
    return this.#dimensions;
  }

  toSnapshot(): LogRecordReferenceSnapshot {
    return {
      referenceId: this.#referenceId,
      tenantId: this.#tenantId,
      traceId: this.#traceId,
      level: this.#level,
      timestamp: toIso(this.#timestamp),
      logAnalyticsRef: { ...this.#ref },
      dimensions: { ...this.#dimensions },
    };
  }
}

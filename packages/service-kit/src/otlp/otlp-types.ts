/**
 * OTLP export requests as `normalizeMessage` leaves them (OTLP/JSON field names): ids lowercase hex,
 * 64-bit integers decimal strings, enums integers. Only what the platform reads is typed; the
 * rest of the proto is still present on the objects.
 */
export interface AnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: string;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly AnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly KeyValue[] };
  /** base64 */
  readonly bytesValue?: string;
}

export interface KeyValue {
  readonly key?: string;
  readonly value?: AnyValue;
}

export interface OtlpResource {
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
}

export interface OtlpScope {
  readonly name?: string;
  readonly version?: string;
  readonly attributes?: readonly KeyValue[];
}

export interface OtlpSpanEvent {
  readonly timeUnixNano?: string;
  readonly name?: string;
  readonly attributes?: readonly KeyValue[];
}

export interface OtlpSpanLink {
  readonly traceId?: string;
  readonly spanId?: string;
  readonly traceState?: string;
  readonly attributes?: readonly KeyValue[];
}

export interface OtlpSpan {
  readonly traceId?: string;
  readonly spanId?: string;
  readonly parentSpanId?: string;
  readonly traceState?: string;
  readonly flags?: number;
  readonly name?: string;
  /** 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  readonly kind?: number;
  readonly startTimeUnixNano?: string;
  readonly endTimeUnixNano?: string;
  readonly attributes?: readonly KeyValue[];
  readonly events?: readonly OtlpSpanEvent[];
  readonly links?: readonly OtlpSpanLink[];
  /** code: 0 unset, 1 ok, 2 error */
  readonly status?: { readonly code?: number; readonly message?: string };
}

export interface OtlpTracesRequest {
  readonly resourceSpans?: readonly {
    readonly resource?: OtlpResource;
    readonly schemaUrl?: string;
    readonly scopeSpans?: readonly {
      readonly scope?: OtlpScope;
      readonly schemaUrl?: string;
      readonly spans?: readonly OtlpSpan[];
    }[];
  }[];
}

export interface OtlpExemplar {
  readonly timeUnixNano?: string;
  readonly asDouble?: number;
  readonly asInt?: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly filteredAttributes?: readonly KeyValue[];
}

interface PointBase {
  readonly attributes?: readonly KeyValue[];
  readonly startTimeUnixNano?: string;
  readonly timeUnixNano?: string;
  readonly exemplars?: readonly OtlpExemplar[];
  /** bit 0: no recorded value */
  readonly flags?: number;
}

export interface OtlpNumberDataPoint extends PointBase {
  readonly asDouble?: number;
  readonly asInt?: string;
}

export interface OtlpHistogramDataPoint extends PointBase {
  readonly count?: string;
  readonly sum?: number;
  readonly bucketCounts?: readonly string[];
  readonly explicitBounds?: readonly number[];
  readonly min?: number;
  readonly max?: number;
}

export interface OtlpExponentialHistogramDataPoint extends PointBase {
  readonly count?: string;
  readonly sum?: number;
  readonly scale?: number;
  readonly zeroCount?: string;
  readonly zeroThreshold?: number;
  readonly positive?: { readonly offset?: number; readonly bucketCounts?: readonly string[] };
  readonly negative?: { readonly offset?: number; readonly bucketCounts?: readonly string[] };
  readonly min?: number;
  readonly max?: number;
}

export interface OtlpSummaryDataPoint extends PointBase {
  readonly count?: string;
  readonly sum?: number;
  readonly quantileValues?: readonly { readonly quantile?: number; readonly value?: number }[];
}

/** 0 unspecified, 1 delta, 2 cumulative */
export type AggregationTemporality = number;

export interface OtlpMetric {
  readonly name?: string;
  readonly description?: string;
  readonly unit?: string;
  readonly gauge?: { readonly dataPoints?: readonly OtlpNumberDataPoint[] };
  readonly sum?: {
    readonly dataPoints?: readonly OtlpNumberDataPoint[];
    readonly aggregationTemporality?: AggregationTemporality;
    readonly isMonotonic?: boolean;
  };
  readonly histogram?: {
    readonly dataPoints?: readonly OtlpHistogramDataPoint[];
    readonly aggregationTemporality?: AggregationTemporality;
  };
  readonly exponentialHistogram?: {
    readonly dataPoints?: readonly OtlpExponentialHistogramDataPoint[];
    readonly aggregationTemporality?: AggregationTemporality;
  };
  readonly summary?: { readonly dataPoints?: readonly OtlpSummaryDataPoint[] };
  readonly metadata?: readonly KeyValue[];
}

export interface OtlpMetricsRequest {
  readonly resourceMetrics?: readonly {
    readonly resource?: OtlpResource;
    readonly schemaUrl?: string;
    readonly scopeMetrics?: readonly {
      readonly scope?: OtlpScope;
      readonly schemaUrl?: string;
      readonly metrics?: readonly OtlpMetric[];
    }[];
  }[];
}

export interface OtlpLogRecord {
  readonly timeUnixNano?: string;
  readonly observedTimeUnixNano?: string;
  /** 1–24: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24 */
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly body?: AnyValue;
  readonly attributes?: readonly KeyValue[];
  readonly flags?: number;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly eventName?: string;
}

export interface OtlpLogsRequest {
  readonly resourceLogs?: readonly {
    readonly resource?: OtlpResource;
    readonly schemaUrl?: string;
    readonly scopeLogs?: readonly {
      readonly scope?: OtlpScope;
      readonly schemaUrl?: string;
      readonly logRecords?: readonly OtlpLogRecord[];
    }[];
  }[];
}

export interface OtlpRequests {
  readonly traces: OtlpTracesRequest;
  readonly metrics: OtlpMetricsRequest;
  readonly logs: OtlpLogsRequest;
}

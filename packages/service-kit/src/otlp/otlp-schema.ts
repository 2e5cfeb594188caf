import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export type OtlpSignal = 'traces' | 'metrics' | 'logs';

const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'proto');

const SERVICE_FILES: Readonly<Record<OtlpSignal, string>> = {
  traces: 'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  metrics: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  logs: 'opentelemetry/proto/collector/logs/v1/logs_service.proto',
};

const MESSAGE_NAMES: Readonly<Record<OtlpSignal, { request: string; response: string }>> = {
  traces: {
    request: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    response: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  },
  metrics: {
    request: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    response: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  },
  logs: {
    request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    response: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  },
};

/** The field of each signal's partialSuccess that counts refused items (OTLP spec). */
export const REJECTED_FIELD: Readonly<Record<OtlpSignal, string>> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

/** google.rpc.Status, the body of an OTLP/HTTP error (details are not used, so not declared). */
const STATUS_PROTO = `syntax = "proto3"; package google.rpc;
message Status { int32 code = 1; string message = 2; }`;

export interface OtlpTypes {
  readonly request: protobuf.Type;
  readonly response: protobuf.Type;
}

let root: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (root) return root;
  const loaded = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as protoc's -I would take them.
  loaded.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  loaded.loadSync(Object.values(SERVICE_FILES));
  protobuf.parse(STATUS_PROTO, loaded);
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

export function otlpTypes(signal: OtlpSignal): OtlpTypes {
  const loaded = loadRoot();
  const names = MESSAGE_NAMES[signal];
  return { request: loaded.lookupType(names.request), response: loaded.lookupType(names.response) };
}

export function statusType(): protobuf.Type {
  return loadRoot().lookupType('google.rpc.Status');
}

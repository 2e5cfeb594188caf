import { LOG_LEVELS, type LogLevel, type TelemetryDimensions } from '@obs/domain';
import {
  anyValueOf,
  attributesToRecord,
  resourceDimensions,
  type AttributeValue,
  type OtlpLogsRequest,
  storableText,
} from '@obs/service-kit';
import { randomBytes } from 'node:crypto';
import { levelOfSeverity } from './severity.js';

/** One log line as the log store keeps it; the body is text (structured bodies as JSON). */
export interface LogRecordRow {
  readonly id: string;
  readonly tenantId: string;
  readonly traceId: string | null;
  readonly spanId: string | null;
  readonly executionId: string;
  /** Epoch ms, the keyset of queries; `timeUnixNano` keeps the exact time. */
  readonly timeMs: number;
  readonly timeUnixNano: string;
  readonly level: LogLevel;
  readonly severityNumber: number;
  readonly severityText: string | null;
  readonly body: string;
  readonly attributes: Record<string, AttributeValue>;
  readonly dimensions: TelemetryDimensions;
}

export interface ParsedLogs {
  readonly records: readonly LogRecordRow[];
  readonly rejected: number;
  readonly reasons: readonly string[];
}

const NS_PER_MS = 1_000_000n;
/**
 * Accepts or refuses each resource's records as a whole (dimensions are per resource): a resource
 * without the eleven dimension attributes, or naming another tenant, has all its records counted
 * as rejected, with the reason. A record's time is timeUnixNano, else observedTimeUnixNano, else
 * the receive time (as the Collector does for records without one).
 */
export function parseOtlpLogs(
  request: OtlpLogsRequest,
  tenantId: string,
  nowMs: number,
): ParsedLogs {
  const records: LogRecordRow[] = [];
  const reasons: string[] = [];
  let rejected = 0;
  (request.resourceLogs ?? []).forEach((resourceLogs, r) => {
    const logRecords = (resourceLogs.scopeLogs ?? []).flatMap((scope) => scope.logRecords ?? []);
    if (logRecords.length === 0) return;
    const dims = resourceDimensions(resourceLogs.resource?.attributes, tenantId);
    if (!dims.ok) {
      rejected += logRecords.length;
      reasons.push(`resourceLogs[${r}]: ${dims.reason}`);
      return;
    }
    const dimensions = dims.dimensions;
    for (const record of logRecords) {
      const timeNs =
        firstNonZero(record.timeUnixNano, record.observedTimeUnixNano) ?? BigInt(nowMs) * NS_PER_MS;
      // uint64 nanoseconds end in the year 2554: always a valid instant, and a 14-digit cursor key.
      const timeMs = Number(timeNs / NS_PER_MS);
      const level = levelOfSeverity(record.severityNumber, record.severityText);
      records.push({
        id: recordId(timeNs, records.length),
        tenantId,
        traceId: nonZeroId(record.traceId),
        spanId: nonZeroId(record.spanId),
        executionId: dimensions.executionId,
        timeMs,
        timeUnixNano: timeNs.toString(),
        level,
        severityNumber: record.severityNumber ?? 0,
        severityText: record.severityText === undefined ? null : storableText(record.severityText),
        body: storableText(bodyText(anyValueOf(record.body))),
        attributes: attributesToRecord(record.attributes),
        dimensions,
      });
    }
  });
  return { records, rejected, reasons };
}

/**
 * Queries page on (epoch ms, id), the kit's keyset cursor. So that records of one millisecond still
 * come in time order (and records of one instant in the order they were sent), the id starts with
 * the nanoseconds within the millisecond (5 hex digits) and the record's index in the batch (4),
 * then random bits, as a version-8 (custom) UUID: uuid order is then time order within a ms.
 */
export function recordId(timeNs: bigint, index: number): string {
  const subMs = Number(timeNs % NS_PER_MS)
    .toString(16)
    .padStart(5, '0');
  const seq = (index % 0x10000).toString(16).padStart(4, '0');
  const random = randomBytes(12).toString('hex');
  const hex = `${subMs}${seq}${random}`.slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function firstNonZero(...values: (string | undefined)[]): bigint | undefined {
  for (const value of values) {
    if (value !== undefined && value !== '0') return BigInt(value);
  }
  return undefined;
}

/** An all-zero id is OTLP's "none" (the SDK writes one for a record outside any span). */
function nonZeroId(id: string | undefined): string | null {
  return id === undefined || /^0+$/.test(id) ? null : id;
}

function bodyText(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = Object.fromEntries(
  LOG_LEVELS.map((level, i) => [level, i]),
) as Record<LogLevel, number>;

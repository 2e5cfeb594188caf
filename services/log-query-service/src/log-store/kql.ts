import type { LogLevel } from '@obs/domain';
import { kqlDatetime, kqlLong, kqlString } from '@obs/service-kit';
import type { LogStoreQuery } from './log-store.port.js';

/**
 * KQL for AppTraces, with every caller-supplied value bound to a name in `let` statements ahead
 * of a query text that never changes. The Log Analytics query API (and so `LogsQueryClient`,
 * whose request body is only {query, timespan, workspaces}) has no parameter binding, and the
 * defaults of `declare query_parameters` must be literals, so each value is written in a form that
 * cannot leave its literal, whatever it holds:
 * - strings as `base64_decode_tostring("<base64>")`: the base64 alphabet (A-Z a-z 0-9 + / =)
 *   holds no quote, backslash or line break, so no input can end the literal or start a clause;
 * - instants as `datetime(<ISO-8601>)` written by Date#toISOString from a parsed number;
 * - integers as digits, checked with Number.isSafeInteger.
 * The query text below the bindings is the constant QUERY_BODY; tests check it is byte-for-byte
 * the same for every input, injection strings included.
 */

/** App Insights' SeverityLevel: 0 Verbose, 1 Information, 2 Warning, 3 Error, 4 Critical. */
export const SEVERITY_LEVEL: Readonly<Record<LogLevel, number>> = {
  Verbose: 0,
  Debug: 0,
  Information: 1,
  Warning: 2,
  Error: 3,
  Fatal: 4,
};

export function levelOfSeverityLevel(value: unknown): LogLevel {
  switch (Number(value)) {
    case 1:
      return 'Information';
    case 2:
      return 'Warning';
    case 3:
      return 'Error';
    case 4:
      return 'Fatal';
    default:
      return 'Verbose';
  }
}

/** Filters switch off with a flag, so the text stays the same whether a filter is used or not. */
export const QUERY_BODY = `AppTraces
| where TimeGenerated >= fromTime and TimeGenerated < toTime
| where tostring(Properties["tenant.id"]) == tenantId
| where not(useTraceId) or OperationId == traceId
| where not(useExecutionId) or tostring(Properties["execution.id"]) == executionId
| where SeverityLevel >= minSeverityLevel
| where not(useText) or Message contains text
| extend TimeMs = datetime_diff('millisecond', TimeGenerated, datetime(1970-01-01T00:00:00.000Z))
| extend ItemId = tolower(tostring(_ItemId))
| where not(useAfter) or TimeMs > afterMs or (TimeMs == afterMs and strcmp(ItemId, afterId) > 0)
| order by TimeMs asc, ItemId asc
| take maxRows
| project ItemId, TimeMs, TimeText = tostring(TimeGenerated), SeverityLevel, Message, OperationId, ParentId, Properties`;

export interface KqlQuery {
  readonly text: string;
  /** The values bound, by name (what the `let` statements decode to). */
  readonly bindings: Readonly<Record<string, string | number | boolean>>;
}

export function buildLogQuery(q: LogStoreQuery): KqlQuery {
  const lets: [string, string][] = [];
  const bindings: Record<string, string | number | boolean> = {};
  const bindString = (name: string, value: string) => {
    lets.push([name, kqlString(value)]);
    bindings[name] = value;
  };
  const bindLong = (name: string, value: number) => {
    lets.push([name, `tolong(${kqlLong(value)})`]);
    bindings[name] = value;
  };
  const bindBool = (name: string, value: boolean) => {
    lets.push([name, value ? 'true' : 'false']);
    bindings[name] = value;
  };
  bindString('tenantId', q.tenantId);
  lets.push(['fromTime', kqlDatetime(q.fromMs)]);
  bindings.fromTime = new Date(q.fromMs).toISOString();
  lets.push(['toTime', kqlDatetime(q.toMs)]);
  bindings.toTime = new Date(q.toMs).toISOString();
  bindBool('useTraceId', q.traceId !== undefined);
  bindString('traceId', q.traceId ?? '');
  bindBool('useExecutionId', q.executionId !== undefined);
  bindString('executionId', q.executionId ?? '');
  bindLong('minSeverityLevel', SEVERITY_LEVEL[q.minLevel]);
  bindBool('useText', q.text !== undefined && q.text !== '');
  bindString('text', q.text ?? '');
  bindBool('useAfter', q.after !== undefined);
  bindLong('afterMs', q.after?.timeMs ?? 0);
  bindString('afterId', q.after?.id ?? '');
  bindLong('maxRows', q.limit);
  const prelude = lets.map(([name, value]) => `let ${name} = ${value};`).join('\n');
  return { text: `${prelude}\n${QUERY_BODY}`, bindings };
}

/**
 * KQL literals that no value can break out of, for query APIs without parameter binding (the Log
 * Analytics and Application Insights query APIs through @azure/monitor-query-logs, whose request
 * body is only {query, timespan, workspaces}). Bind each value to a name with
 * `let <name> = <literal>;` ahead of a query text that never changes, so no input is ever part of
 * the query's syntax.
 */

/** A string as base64_decode_tostring("..."): the base64 alphabet cannot end the literal. */
export function kqlString(value: string): string {
  return `base64_decode_tostring("${Buffer.from(value, 'utf8').toString('base64')}")`;
}

/** An instant as datetime(<ISO-8601>), written from a number, never from input text. */
export function kqlDatetime(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError('instant out of range');
  return `datetime(${new Date(ms).toISOString()})`;
}

/** A safe integer as its digits. */
export function kqlLong(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError('not a safe integer');
  return `${value}`;
}

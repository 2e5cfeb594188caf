/**
 * KIT CANDIDATE (shared with log-query-service, which has the same file): KQL literals that no
 * value can break out of, for query APIs without parameter binding (the Log Analytics and
 * Application Insights query APIs through @azure/monitor-query-logs, whose request body is only
 * {query, timespan, workspaces}). Each value is bound to a name with `let <name> = <literal>;`
 * ahead of a query text that never changes.
 */

/** A string as base64_decode_tostring("..."): the base64 alphabet cannot end the literal. */
export function kqlString(value: string): string {
  return `base64_decode_tostring("${Buffer.from(value, 'utf8').toString('base64')}")`;
}

/** A safe integer as its digits. */
export function kqlLong(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError('not a safe integer');
  return `${value}`;
}

/** Sorts keys at every depth; arrays keep their order (it means something: panel order). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Readonly<Record<string, unknown>>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}

/**
 * JSON that depends on the value alone: keys sorted at every depth, so the order code builds an
 * object in never shows (a request's hash, a file kept in Git). Absent (undefined) fields are left
 * out, as JSON.stringify does. For plain data; `space` indents as JSON.stringify's does.
 */
export function canonicalJson(value: unknown, space?: number): string {
  return JSON.stringify(sortKeys(value), null, space);
}

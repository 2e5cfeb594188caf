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
 * JSON that depends on the value alone: keys sorted at every depth (so the order code builds an
 * object in never shows), two-space indentation and a final newline, as a file kept in Git wants.
 * For plain data (objects, arrays, strings, finite numbers, booleans, null).
 */
export function canonicalJson(value: object): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

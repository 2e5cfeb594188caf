/**
 * PostgreSQL text and jsonb cannot hold U+0000, and OTLP strings may: it is kept as U+FFFD (the
 * replacement character) so one odd byte does not cost the whole batch.
 */
export function withoutNul(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

export function withoutNulDeep<T>(value: T): T {
  if (typeof value === 'string') return withoutNul(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => withoutNulDeep(v)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNulDeep(v as unknown)]),
    ) as T;
  }
  return value;
}

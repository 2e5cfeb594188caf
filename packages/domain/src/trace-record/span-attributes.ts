import { ensure } from '../kernel/domain-error.js';

export type AttributeScalar = string | number | boolean;
/** OTLP attribute values the platform keeps: scalars and homogeneous-enough arrays of scalars. */
export type AttributeValue = AttributeScalar | readonly AttributeScalar[];
export type Attributes = Readonly<Record<string, AttributeValue>>;

const MAX_KEY_LENGTH = 256;

function isScalar(value: unknown): value is AttributeScalar {
  // Non-finite numbers cannot round-trip through JSON, so they are refused at the edge.
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Copies and freezes attributes so a caller keeping a reference to its input cannot change a
 * span after the trace tree was validated.
 */
export function attributes(input: Readonly<Record<string, unknown>> | undefined): Attributes {
  const result: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(input ?? {})) {
    ensure(
      key.length > 0 && key.length <= MAX_KEY_LENGTH,
      'trace.invalid_attribute',
      `attribute keys must be 1-${MAX_KEY_LENGTH} characters`,
      { key },
    );
    if (Array.isArray(value)) {
      const items: unknown[] = value;
      ensure(
        items.every(isScalar),
        'trace.invalid_attribute',
        'array attributes may hold only strings, finite numbers and booleans',
        { key },
      );
      result[key] = Object.freeze([...items] as AttributeScalar[]);
    } else {
      ensure(
        isScalar(value),
        'trace.invalid_attribute',
        'attributes must be strings, finite numbers, booleans or arrays of them',
        { key },
      );
      result[key] = value;
    }
  }
  return Object.freeze(result);
}

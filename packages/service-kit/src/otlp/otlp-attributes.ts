import {
  DIMENSION_ATTRIBUTE_KEYS,
  DIMENSION_NAMES,
  DomainError,
  telemetryDimensions,
  type TelemetryDimensions,
} from '@obs/domain';
import type { AnyValue, KeyValue } from './otlp-types.js';
import { storableText } from './storable-text.js';

export type AttributeValue =
  | string
  | number
  | boolean
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

/**
 * An AnyValue as a plain value: intValue as a number when it is safe, else its decimal string;
 * strings as text PostgreSQL can store (see storableText).
 */
export function anyValueOf(value: AnyValue | undefined): AttributeValue | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return storableText(value.stringValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : value.intValue;
  }
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) {
    return (value.arrayValue.values ?? []).map((v) => anyValueOf(v) ?? '');
  }
  if (value.kvlistValue !== undefined) return attributesToRecord(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}

/** OTLP attributes as a plain record; a key without a value (or without a key) is left out. */
export function attributesToRecord(
  attributes: readonly KeyValue[] | undefined,
): Record<string, AttributeValue> {
  const record: Record<string, AttributeValue> = {};
  for (const attribute of attributes ?? []) {
    const value = anyValueOf(attribute.value);
    if (attribute.key !== undefined && value !== undefined) {
      record[storableText(attribute.key)] = value;
    }
  }
  return record;
}

export type ResourceDimensions =
  | { readonly ok: true; readonly dimensions: TelemetryDimensions }
  | { readonly ok: false; readonly reason: string };

/**
 * The eleven dimensions of docs/design.md#dimensions from a resource's attributes. The token's
 * tenant must equal `tenant.id`: a resource naming another tenant is refused, never stored under
 * either. The reason names every missing attribute key at once, so a sender can fix them together.
 */
export function resourceDimensions(
  resourceAttributes: readonly KeyValue[] | undefined,
  tokenTenantId: string,
): ResourceDimensions {
  const attributes = attributesToRecord(resourceAttributes);
  const input: Record<string, string | undefined> = {};
  const missing: string[] = [];
  for (const name of DIMENSION_NAMES) {
    const key = DIMENSION_ATTRIBUTE_KEYS[name];
    const value = attributes[key];
    if (typeof value === 'string' && value.trim() !== '') input[name] = value;
    else missing.push(key);
  }
  if (missing.length > 0) {
    return { ok: false, reason: `missing resource attributes: ${missing.join(', ')}` };
  }
  if (input.tenantId !== tokenTenantId) {
    return { ok: false, reason: `tenant.id '${input.tenantId}' is not the token's tenant` };
  }
  try {
    return { ok: true, dimensions: telemetryDimensions(input) };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, reason: error.message };
    throw error;
  }
}

import type { AttributeScalar, AttributeValue } from '@obs/domain';
import { storableText, type AnyValue, type KeyValue } from '@obs/service-kit';
import type { AttributeTypeHint } from '../span-store/span-store.port.js';

/** The domain's limit on attribute keys; longer keys are dropped, as OTLP lets a receiver drop. */
const MAX_KEY_LENGTH = 256;

function scalarOf(value: AnyValue): AttributeScalar | undefined {
  if (value.stringValue !== undefined) return storableText(value.stringValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : value.intValue;
  }
  if (value.doubleValue !== undefined) {
    // NaN and the infinities cannot round-trip through JSON; their proto3 JSON spelling can.
    return Number.isFinite(value.doubleValue) ? value.doubleValue : String(value.doubleValue);
  }
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}

/** JSON of a nested value (kvlist, or an array inside an array), kept as a string attribute. */
function nestedJson(value: AnyValue): string {
  const plain = (v: AnyValue): unknown => {
    if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(plain);
    if (v.kvlistValue !== undefined) {
      return Object.fromEntries(
        (v.kvlistValue.values ?? []).map((kv) => [kv.key ?? '', plain(kv.value ?? {})]),
      );
    }
    return scalarOf(v) ?? null;
  };
  return storableText(JSON.stringify(plain(value)));
}

/**
 * An OTLP AnyValue in the domain's attribute model (scalars, arrays of scalars). What the model
 * cannot hold is kept as text rather than lost: a kvlist or nested array as its JSON.
 */
export function attributeValueOf(value: AnyValue | undefined): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value.arrayValue !== undefined) {
    return (value.arrayValue.values ?? []).map((item) =>
      item.arrayValue !== undefined || item.kvlistValue !== undefined
        ? nestedJson(item)
        : (scalarOf(item) ?? ''),
    );
  }
  if (value.kvlistValue !== undefined) return nestedJson(value);
  return scalarOf(value);
}

/** OTLP attributes as a domain-valid record; keys outside 1-256 characters are dropped. */
export function spanAttributesOf(
  attributes: readonly KeyValue[] | undefined,
): Record<string, AttributeValue> {
  const record: Record<string, AttributeValue> = {};
  if (attributes === undefined) return record;
  for (const attribute of attributes) {
    const key = attribute.key;
    if (key === undefined || key.length === 0 || key.length > MAX_KEY_LENGTH) continue;
    const value = attributeValueOf(attribute.value);
    if (value !== undefined) record[storableText(key)] = value;
  }
  return record;
}

/** The type hint of a value whose JSON form does not tell its OTLP type; undefined otherwise. */
function typeHintOf(value: AnyValue | undefined): AttributeTypeHint | undefined {
  if (value === undefined) return undefined;
  if (value.kvlistValue !== undefined) return 'm';
  if (value.arrayValue !== undefined) return 'a';
  if (value.bytesValue !== undefined) return 'b';
  if (value.intValue !== undefined) {
    return Number.isSafeInteger(Number(value.intValue)) ? undefined : 'i';
  }
  if (value.doubleValue !== undefined) {
    return Number.isInteger(value.doubleValue) || !Number.isFinite(value.doubleValue)
      ? 'f'
      : undefined;
  }
  return undefined;
}

/**
 * The type hints of the attributes spanAttributesOf keeps (same keys, the last of a repeated key
 * winning); undefined when every value's JSON form tells its type, as for most spans.
 */
export function attributeTypesOf(
  attributes: readonly KeyValue[] | undefined,
): Record<string, AttributeTypeHint> | undefined {
  if (attributes === undefined) return undefined;
  let types: Record<string, AttributeTypeHint> | undefined;
  for (const attribute of attributes) {
    const key = attribute.key;
    if (key === undefined || key.length === 0 || key.length > MAX_KEY_LENGTH) continue;
    if (attributeValueOf(attribute.value) === undefined) continue;
    const hint = typeHintOf(attribute.value);
    const stored = storableText(key);
    if (hint !== undefined) (types ??= {})[stored] = hint;
    else if (types !== undefined) delete types[stored];
  }
  return types !== undefined && Object.keys(types).length > 0 ? types : undefined;
}

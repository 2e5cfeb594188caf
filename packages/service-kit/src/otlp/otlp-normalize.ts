import protobuf from 'protobufjs';

/** A body that is not a valid OTLP export request; the message names the field. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/** Bytes fields that OTLP/JSON writes as hex (the spec's one deviation from the proto3 mapping). */
const ID_LENGTHS: Readonly<Record<string, number>> = {
  traceId: 16,
  spanId: 8,
  parentSpanId: 8,
};

const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const DIGITS = /^-?[0-9]+$/;
const HEX = /^[0-9a-fA-F]*$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * proto3 JSON accepts a field by its lowerCamelCase JSON name or by its original name; the
 * Collector's receiver does too. Built once per message type.
 */
const fieldMaps = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();
function fieldsOf(type: protobuf.Type): Map<string, protobuf.Field> {
  let map = fieldMaps.get(type);
  if (!map) {
    map = new Map();
    for (const field of type.fieldsArray) {
      field.resolve();
      map.set(field.name, field);
      const original = (field.options?.json_name as string | undefined) ?? snakeCase(field.name);
      map.set(original, field);
    }
    fieldMaps.set(type, map);
  }
  return map;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Brings an OTLP export request, parsed from JSON or decoded from protobuf (then turned into a
 * plain object with longs as strings, enums as numbers and bytes as base64), into one shape:
 * lowerCamelCase fields, ids as lowercase hex (an empty id is left out), 64-bit integers as
 * decimal strings, enums as integers (a JSON enum name is accepted and mapped), other bytes as
 * base64. Unknown fields are ignored, as the Collector's receiver ignores them. A value of the
 * wrong type throws OtlpDecodeError naming its path.
 */
export function normalizeMessage(type: protobuf.Type, value: unknown, path = ''): Json {
  if (!isObject(value)) throw new OtlpDecodeError(`${path || 'body'}: expected an object`);
  const fields = fieldsOf(type);
  const out: Json = {};
  for (const key of Object.keys(value)) {
    const field = fields.get(key);
    const raw = value[key];
    if (!field || raw === null || raw === undefined) continue;
    const at = path ? `${path}.${field.name}` : field.name;
    if (field.repeated) {
      if (!Array.isArray(raw)) throw new OtlpDecodeError(`${at}: expected an array`);
      out[field.name] = raw.map((item, i) => normalizeValue(field, item, `${at}[${i}]`));
    } else {
      const normalized = normalizeValue(field, raw, at);
      if (normalized !== undefined) out[field.name] = normalized;
    }
  }
  return out;
}

function normalizeValue(field: protobuf.Field, raw: unknown, at: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return normalizeMessage(resolved, raw, at);
  if (resolved instanceof protobuf.Enum) return enumValue(resolved, raw, at);
  const type = field.type;
  if (type === 'string') {
    if (typeof raw !== 'string') throw new OtlpDecodeError(`${at}: expected a string`);
    return raw;
  }
  if (type === 'bool') {
    if (typeof raw !== 'boolean') throw new OtlpDecodeError(`${at}: expected a boolean`);
    return raw;
  }
  if (type === 'double' || type === 'float') return floatValue(raw, at);
  if (INT32.has(type)) return int32Value(raw, type, at);
  if (INT64.has(type)) return int64Value(raw, type, at);
  if (type === 'bytes') {
    if (typeof raw !== 'string') throw new OtlpDecodeError(`${at}: expected a string`);
    const idLength = ID_LENGTHS[field.name];
    return idLength === undefined ? raw : idValue(raw, idLength, at);
  }
  throw new OtlpDecodeError(`${at}: unsupported field type ${type}`);
}

function enumValue(type: protobuf.Enum, raw: unknown, at: string): number {
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && type.values[raw] !== undefined) return type.values[raw];
  throw new OtlpDecodeError(`${at}: expected an integer enum value of ${type.name}`);
}

function floatValue(raw: unknown, at: string): number {
  if (typeof raw === 'number') return raw;
  // proto3 JSON spells the non-finite doubles as strings; numeric strings are accepted too.
  if (raw === 'NaN') return Number.NaN;
  if (raw === 'Infinity') return Number.POSITIVE_INFINITY;
  if (raw === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) {
    return Number(raw);
  }
  throw new OtlpDecodeError(`${at}: expected a number`);
}

const UNSIGNED = new Set(['uint32', 'fixed32', 'uint64', 'fixed64']);
const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function int32Value(raw: unknown, type: string, at: string): number {
  const n = typeof raw === 'string' && DIGITS.test(raw) ? Number(raw) : raw;
  const [min, max] = UNSIGNED.has(type) ? [0, 0xffffffff] : [-0x80000000, 0x7fffffff];
  if (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max) return n;
  throw new OtlpDecodeError(
    `${at}: expected a ${UNSIGNED.has(type) ? 'non-negative ' : ''}32-bit integer`,
  );
}

function int64Value(raw: unknown, type: string, at: string): string {
  let n: bigint | undefined;
  if (typeof raw === 'string' && DIGITS.test(raw)) n = BigInt(raw);
  // JSON.parse has already rounded a number past 2^53 (a nanosecond timestamp loses < 1 µs); the
  // Collector reads such numbers too, so they are taken as parsed rather than refused.
  else if (typeof raw === 'number' && Number.isInteger(raw)) n = BigInt(raw);
  const [min, max] = UNSIGNED.has(type) ? [0n, UINT64_MAX] : [INT64_MIN, INT64_MAX];
  if (n !== undefined && n >= min && n <= max) return n.toString();
  throw new OtlpDecodeError(
    `${at}: expected a ${UNSIGNED.has(type) ? 'non-negative ' : ''}64-bit integer (a decimal string or an integer)`,
  );
}

/**
 * OTLP/JSON ids are hex; protobuf bytes (and some senders' JSON) are base64. Both are normalised
 * to lowercase hex by their length: 2n hex characters, or base64 of exactly n bytes. An empty id
 * (a root span's parent) is absent.
 */
function idValue(raw: string, bytes: number, at: string): string | undefined {
  if (raw === '') return undefined;
  if (raw.length === bytes * 2 && HEX.test(raw)) return raw.toLowerCase();
  const decoded = Buffer.from(raw, 'base64');
  if (
    decoded.length === bytes &&
    decoded.toString('base64').replace(/=+$/, '') === raw.replace(/=+$/, '')
  ) {
    return decoded.toString('hex');
  }
  throw new OtlpDecodeError(`${at}: expected ${bytes * 2} hex characters`);
}

/** The plain-object form of a decoded protobuf message, ready for normalizeMessage. */
export function protobufToObject(type: protobuf.Type, buffer: Uint8Array): Json {
  let message: protobuf.Message;
  try {
    message = type.decode(buffer);
  } catch (error) {
    throw new OtlpDecodeError(`body is not a protobuf ${type.name}: ${(error as Error).message}`);
  }
  return type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false });
}

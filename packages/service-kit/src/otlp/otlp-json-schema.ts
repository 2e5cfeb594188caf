import protobuf from 'protobufjs';

type JsonSchema = Record<string, unknown>;

/** How deep AnyValue may nest in the document; the decoder itself accepts any depth. */
const MAX_VALUE_DEPTH = 3;
const ANY_VALUE = 'opentelemetry.proto.common.v1.AnyValue';
const ID_PATTERNS: Readonly<Record<string, string>> = {
  traceId: '^([0-9a-fA-F]{32})?$',
  spanId: '^([0-9a-fA-F]{16})?$',
  parentSpanId: '^([0-9a-fA-F]{16})?$',
};
const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The OTLP/JSON request body as a JSON Schema, generated from the proto itself so the document
 * states exactly what `normalizeMessage` accepts (it accepts a little more: snake_case names, enum
 * names, base64 ids, deeper AnyValues, all of which the document leaves out).
 */
export function otlpJsonSchema(type: protobuf.Type, depth = 0): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const schema = fieldSchema(field, type.fullName === `.${ANY_VALUE}` ? depth + 1 : depth);
    if (schema) properties[field.name] = field.repeated ? { type: 'array', items: schema } : schema;
  }
  return { type: 'object', properties };
}

function fieldSchema(field: protobuf.Field, depth: number): JsonSchema | undefined {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    // Past the depth cap an AnyValue keeps its scalar variants only (no arrays or maps in it).
    if (resolved.fullName === `.${ANY_VALUE}` && depth >= MAX_VALUE_DEPTH) return undefined;
    return otlpJsonSchema(resolved, depth);
  }
  if (resolved instanceof protobuf.Enum) {
    return { type: 'integer', enum: [...new Set(Object.values(resolved.values))] };
  }
  switch (field.type) {
    case 'string':
      return { type: 'string' };
    case 'bool':
      return { type: 'boolean' };
    case 'double':
    case 'float':
      return { type: 'number' };
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return { type: 'integer', minimum: -0x80000000, maximum: 0x7fffffff };
    case 'uint32':
    case 'fixed32':
      return { type: 'integer', minimum: 0, maximum: 0xffffffff };
    case 'uint64':
    case 'fixed64':
      return {
        anyOf: [
          { type: 'string', pattern: '^[0-9]{1,19}$' },
          { type: 'integer', minimum: 0, maximum: SAFE },
        ],
      };
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return {
        anyOf: [
          { type: 'string', pattern: '^-?[0-9]{1,18}$' },
          { type: 'integer', minimum: -SAFE, maximum: SAFE },
        ],
      };
    case 'bytes': {
      const pattern = ID_PATTERNS[field.name];
      return pattern ? { type: 'string', pattern } : { type: 'string', contentEncoding: 'base64' };
    }
    default:
      return undefined;
  }
}

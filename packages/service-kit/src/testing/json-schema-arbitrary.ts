import fc, { type Arbitrary } from 'fast-check';

/** The subset of JSON Schema that zod's OpenAPI output uses. */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly format?: string;
}

type Resolve = (ref: string) => JsonSchema;

const MAX_DEPTH = 6;

/**
 * Values that conform to the schema most of the time: they get past validation and reach the
 * domain and the database, which is where a 5xx would hide. Deliberately small and dependency-free.
 */
export function conformingArbitrary(
  schema: JsonSchema,
  resolve: Resolve,
  depth = 0,
): Arbitrary<unknown> {
  if (schema.$ref) return conformingArbitrary(resolve(schema.$ref), resolve, depth);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives)
    return fc.oneof(...alternatives.map((s) => conformingArbitrary(s, resolve, depth + 1)));
  // allOf beside a type only adds constraints (a second pattern): the type is what to generate.
  if (schema.allOf?.[0] && schema.type === undefined)
    return conformingArbitrary(schema.allOf[0], resolve, depth + 1);
  const type = Array.isArray(schema.type)
    ? (schema.type[0] as string)
    : (schema.type as string | undefined);
  switch (type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(
        schema.items ? conformingArbitrary(schema.items, resolve, depth + 1) : fc.jsonValue(),
        {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 4, 4),
        },
      );
    case 'object': {
      const properties = schema.properties ?? {};
      const required = schema.required ?? [];
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [
          key,
          conformingArbitrary(value, resolve, depth + 1),
        ]),
      );
      return fc.record(model, { requiredKeys: required.filter((key) => key in model) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringArbitrary(schema: JsonSchema): Arbitrary<string> {
  switch (schema.format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'email':
      return fc.emailAddress();
    case 'uri':
      return fc.webUrl();
    default:
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 40, 200),
      });
  }
}

/** Anything at all, or the schema's own keys with values of the wrong types. */
export function hostileArbitrary(schema: JsonSchema, resolve: Resolve): Arbitrary<unknown> {
  const target = schema.$ref ? resolve(schema.$ref) : schema;
  const keys = Object.keys(target.properties ?? {});
  const wrongTypes = keys.length
    ? fc.dictionary(
        fc.constantFrom(...keys, '__proto__', 'constructor', 'unknownField'),
        fc.jsonValue({ maxDepth: 2 }),
      )
    : fc.jsonValue();
  return fc.oneof(fc.jsonValue({ maxDepth: 3 }), wrongTypes);
}

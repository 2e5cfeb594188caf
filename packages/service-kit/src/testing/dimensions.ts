import { DIMENSION_ATTRIBUTE_KEYS, type DimensionName } from '@obs/domain';

/**
 * The ten dimensions besides the tenant that test telemetry carries (docs/design.md#dimensions).
 */
export const TEST_DIMENSIONS = {
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-1',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.0.0',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
} as const satisfies Record<Exclude<DimensionName, 'tenantId'>, string>;

/**
 * The eleven dimensions as OTLP resource attributes. An override replaces an attribute, adds
 * another, or (as undefined) leaves one out, for the tests of a missing dimension.
 */
export function resourceAttributesOf(
  tenantId: string,
  overrides: Partial<Record<string, string>> = {},
): Record<string, string> {
  const attributes: Record<string, string | undefined> = {
    [DIMENSION_ATTRIBUTE_KEYS.tenantId]: tenantId,
  };
  for (const [name, value] of Object.entries(TEST_DIMENSIONS)) {
    attributes[DIMENSION_ATTRIBUTE_KEYS[name as DimensionName]] = value;
  }
  Object.assign(attributes, overrides);
  return Object.fromEntries(
    Object.entries(attributes).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

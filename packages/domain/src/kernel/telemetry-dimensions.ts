import { ensure } from './domain-error.js';
import { tenantId, type TenantId } from './ids.js';

export const ORIGINS = ['factory', 'agent', 'generated-saas'] as const;
export type Origin = (typeof ORIGINS)[number];

/** The eleven required telemetry dimensions of docs/design.md#dimensions, in that order. */
export const DIMENSION_NAMES = [
  'tenantId',
  'projectId',
  'moduleId',
  'artifactId',
  'executionId',
  'agentId',
  'service',
  'serviceVersion',
  'environment',
  'region',
  'origin',
] as const;
export type DimensionName = (typeof DIMENSION_NAMES)[number];

/** OTLP resource attribute key for each dimension. */
export const DIMENSION_ATTRIBUTE_KEYS: Readonly<Record<DimensionName, string>> = {
  tenantId: 'tenant.id',
  projectId: 'project.id',
  moduleId: 'module.id',
  artifactId: 'artifact.id',
  executionId: 'execution.id',
  agentId: 'agent.id',
  service: 'service.name',
  serviceVersion: 'service.version',
  environment: 'deployment.environment.name',
  region: 'cloud.region',
  origin: 'telemetry.origin',
};

export interface TelemetryDimensions {
  readonly tenantId: TenantId;
  readonly projectId: string;
  readonly moduleId: string;
  readonly artifactId: string;
  readonly executionId: string;
  /** The literal `none` where no agent is involved. */
  readonly agentId: string;
  readonly service: string;
  readonly serviceVersion: string;
  readonly environment: string;
  readonly region: string;
  readonly origin: Origin;
}

export type TelemetryDimensionsInput = { readonly [K in DimensionName]?: string | undefined };

/**
 * Builds the eleven dimensions, refusing with `telemetry.missing_dimensions` and the names of
 * every missing one, so a client can fix them all at once.
 */
export function telemetryDimensions(input: TelemetryDimensionsInput): TelemetryDimensions {
  const missing = DIMENSION_NAMES.filter((name) => {
    const value = input[name];
    return typeof value !== 'string' || value.trim() === '' || value.length > 256;
  });
  ensure(
    missing.length === 0,
    'telemetry.missing_dimensions',
    `missing dimensions: ${missing.join(', ')}`,
    {
      missing,
    },
  );
  const origin = input.origin as string;
  ensure(
    (ORIGINS as readonly string[]).includes(origin),
    'telemetry.invalid_origin',
    `origin must be one of ${ORIGINS.join(', ')}`,
    { origin },
  );
  return {
    tenantId: tenantId(input.tenantId as string),
    projectId: input.projectId as string,
    moduleId: input.moduleId as string,
    artifactId: input.artifactId as string,
    executionId: input.executionId as string,
    agentId: input.agentId as string,
    service: input.service as string,
    serviceVersion: input.serviceVersion as string,
    environment: input.environment as string,
    region: input.region as string,
    origin: origin as Origin,
  };
}

/** The group key of a set of dimensions: stable whatever the property order. */
export function dimensionKey(dimensions: Readonly<Record<string, string>>): string {
  return Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k] ?? ''}`)
    .join(',');
}

import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { DIMENSIONS } from './metric-test-kit.js';

/** The eleven dimensions as OTLP resource attributes (docs/design.md#dimensions). */
export function resourceAttributes(tenantId: string): Record<string, string> {
  return {
    'tenant.id': tenantId,
    'project.id': DIMENSIONS.projectId,
    'module.id': DIMENSIONS.moduleId,
    'artifact.id': DIMENSIONS.artifactId,
    'execution.id': DIMENSIONS.executionId,
    'agent.id': DIMENSIONS.agentId,
    'service.name': DIMENSIONS.service,
    'service.version': DIMENSIONS.serviceVersion,
    'deployment.environment.name': DIMENSIONS.environment,
    'cloud.region': DIMENSIONS.region,
    'telemetry.origin': DIMENSIONS.origin,
  };
}

/**
 * The unmodified OpenTelemetry metrics SDK exporting to the service over real HTTP, with the
 * SDK's default (cumulative) temporality. The reader's interval is long: a test ends a
 * "collection cycle" with `cycle()` (forceFlush: collect and export now) instead of waiting.
 */
export function sdkMeter(options: {
  baseUrl: string;
  authorization: string;
  resource: Record<string, string>;
  protocol?: 'json' | 'protobuf';
  exponentialHistograms?: readonly string[];
}) {
  const exporterOptions = {
    url: `${options.baseUrl}/v1/metrics`,
    headers: { authorization: options.authorization },
  };
  const exporter =
    options.protocol === 'protobuf'
      ? new ProtoExporter(exporterOptions)
      : new JsonExporter(exporterOptions);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 3_600_000,
    exportTimeoutMillis: 30_000,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(options.resource),
    readers: [reader],
    views: (options.exponentialHistograms ?? []).map((instrumentName) => ({
      instrumentName,
      aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
    })),
  });
  return {
    meter: provider.getMeter('metric-aggregation-test'),
    cycle: () => reader.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

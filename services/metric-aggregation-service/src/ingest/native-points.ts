import {
  DomainError,
  telemetryDimensions,
  valueForUnit,
  type TelemetryDimensionsInput,
} from '@obs/domain';
import { metricStream, type MetricStream } from './metric-stream.js';
import type { PreparedPoint } from './prepared-point.js';

export interface NativePointInput {
  readonly metricName: string;
  readonly value: number;
  readonly timestamp: string;
  readonly dimensions: TelemetryDimensionsInput;
  readonly unit?: string | undefined;
  readonly traceId?: string | undefined;
  readonly attributes?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/**
 * Validates a native batch point by point; the first refusal names the point (`points[i]`) and
 * the whole batch is refused, so nothing of it is half-stored. Native points are gauges: each is
 * one observation of its metric.
 */
export function prepareNativePoints(
  tenantId: string,
  points: readonly NativePointInput[],
  now: number,
  maxFutureMs: number,
): PreparedPoint[] {
  const streams = new Map<string, MetricStream>();
  return points.map((input, index) => {
    try {
      const at = Date.parse(input.timestamp);
      if (!(at >= 0)) {
        // Telemetry before the Unix epoch is a broken clock; Postgres has no year 0 either.
        throw new DomainError('metric.invalid_timestamp', 'timestamp must not be before 1970', {
          timestamp: input.timestamp,
        });
      }
      if (at > now + maxFutureMs) {
        throw new DomainError(
          'metric.point_in_future',
          `timestamp is more than ${maxFutureMs} ms ahead of the service clock`,
          { timestamp: input.timestamp },
        );
      }
      if (input.dimensions.tenantId !== undefined && input.dimensions.tenantId !== tenantId) {
        throw new DomainError(
          'telemetry.tenant_mismatch',
          "dimensions.tenantId is not the token's tenant",
        );
      }
      const unit = input.unit ?? '';
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(input.attributes ?? {}))
        attributes[key] = String(value);
      const key = JSON.stringify([input.metricName, unit, input.dimensions, attributes]);
      let stream = streams.get(key);
      if (stream === undefined) {
        stream = metricStream({
          metricName: input.metricName,
          unit,
          kind: 'gauge',
          dimensions: telemetryDimensions({ ...input.dimensions, tenantId }),
          attributes,
        });
        streams.set(key, stream);
      }
      const value = valueForUnit(input.value, unit);
      return {
        stream,
        at,
        value,
        traceId: input.traceId ?? null,
        detail: null,
        contribution: { kind: 'value', value },
      };
    } catch (error) {
      if (error instanceof DomainError) {
        throw new DomainError(error.code, `points[${index}]: ${error.message}`, {
          ...error.details,
          index,
        });
      }
      throw error;
    }
  });
}

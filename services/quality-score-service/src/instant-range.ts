import { HttpProblem } from '@obs/service-kit';

/**
 * Instants the service stores: [1900-01-01, 3000-01-01) UTC. Wide enough for any real window,
 * and inside what PostgreSQL and toISOString round-trip (year 0, which an offset can reach from
 * year 1, and years past 9999 do not), so a schema-valid instant never fails in the database.
 */
export const SUPPORTED_FROM = Date.parse('1900-01-01T00:00:00Z');
export const SUPPORTED_TO = Date.parse('3000-01-01T00:00:00Z');
export const INSTANT_OUT_OF_RANGE = 'quality.instant_out_of_range';

export function ensureSupportedInstant(value: string, field: string): void {
  const ms = Date.parse(value);
  if (Number.isFinite(ms) && ms >= SUPPORTED_FROM && ms < SUPPORTED_TO) return;
  throw new HttpProblem(
    422,
    INSTANT_OUT_OF_RANGE,
    'Unprocessable Content',
    `${field} must be between 1900-01-01T00:00:00Z and 3000-01-01T00:00:00Z`,
    [{ field, message: 'instant out of the supported range' }],
  );
}

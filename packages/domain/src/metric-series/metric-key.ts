import { ensure } from '../kernel/domain-error.js';
import { dimensionKey } from '../kernel/telemetry-dimensions.js';

/** Which metric, grouped by which dimension values: what dashboards and alerts address. */
export interface MetricKey {
  readonly metricName: string;
  readonly groupKey: string;
}

// OpenTelemetry instrument name syntax.
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
const MAX_GROUP_ENTRIES = 32;

export function metricName(value: string): string {
  ensure(
    NAME_PATTERN.test(value),
    'metric.invalid_name',
    'metricName must start with a letter and hold at most 255 letters, digits, _ . - /',
    { metricName: value },
  );
  return value;
}

/**
 * The dimension values a series is grouped by. `,` and `=` are refused because the shared
 * `dimensionKey` joins entries with them unescaped: allowing them would let two different groups
 * share one groupKey, and so one seriesId and one alert fingerprint.
 */
export function metricGroup(
  group: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const entries = Object.entries(group);
  ensure(
    entries.length <= MAX_GROUP_ENTRIES,
    'metric.invalid_group',
    `a group holds at most ${MAX_GROUP_ENTRIES} dimensions`,
  );
  const sorted: Record<string, string> = {};
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    ensure(
      key.length > 0 &&
        typeof value === 'string' &&
        value.length <= 256 &&
        !/[,=]/.test(key) &&
        !/[,=]/.test(value),
      'metric.invalid_group',
      'group keys must be non-empty; keys and values are strings without "," or "="',
      { key },
    );
    sorted[key] = value;
  }
  return Object.freeze(sorted);
}

export function metricKey(name: string, group: Readonly<Record<string, string>>): MetricKey {
  return { metricName: metricName(name), groupKey: dimensionKey(metricGroup(group)) };
}

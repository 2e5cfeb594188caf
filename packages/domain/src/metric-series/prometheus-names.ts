/**
 * The Prometheus type a metric stream's series are exposed as (OpenTelemetry's Prometheus
 * compatibility rules): gauges and non-monotonic cumulative sums are gauges, monotonic cumulative
 * sums counters (`_total`), cumulative histograms and summaries keep their type.
 */
export type PromType = 'gauge' | 'counter' | 'histogram' | 'summary' | 'exponential_histogram';

/**
 * OpenTelemetry → Prometheus names, after the OpenTelemetry specification's Prometheus and
 * OpenMetrics compatibility rules (docs/services/metric-aggregation.md#name-mapping):
 * characters outside [a-zA-Z0-9_:] become `_` (runs collapse), a leading digit gets `_`, the unit
 * becomes a suffix (`ms` → `_milliseconds`, `By/s` → `_bytes_per_second`, `{requests}` dropped,
 * `1` on a gauge → `_ratio`), counters end in `_total`, histograms and summaries give
 * `_bucket`/`_sum`/`_count` series.
 */

const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

function sanitizeName(text: string): string {
  let out = text.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_{2,}/g, '_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/** The unit as a name suffix ('' for none, `1` and annotations like `{requests}`). */
export function unitSuffix(unit: string): string {
  const plain = unit.replace(/\{[^}]*\}/g, '').trim();
  if (plain === '' || plain === '1') return '';
  const [main = '', per] = plain.split('/', 2);
  const mainWord = UNIT_WORDS[main] ?? sanitizeName(main).replace(/^_+|_+$/g, '');
  if (per === undefined) return mainWord;
  const perWord = PER_UNIT_WORDS[per] ?? sanitizeName(per).replace(/^_+|_+$/g, '');
  return mainWord === '' ? `per_${perWord}` : `${mainWord}_per_${perWord}`;
}

/** The family name: metric name, unit suffix, `_ratio` for a gauge in unit `1`. */
export function promFamilyName(metricName: string, unit: string, type: PromType): string {
  let name = sanitizeName(metricName);
  const suffix = unitSuffix(unit);
  if (suffix !== '' && !name.endsWith(`_${suffix}`) && name !== suffix) {
    name =
      name.endsWith('_total') && type === 'counter'
        ? `${name.slice(0, -'_total'.length)}_${suffix}`
        : `${name}_${suffix}`;
  }
  if (type === 'gauge' && unit === '1' && !name.endsWith('_ratio')) name = `${name}_ratio`;
  return name;
}

/** The series names one stream contributes, each with what its samples are. */
export type PromSeriesPart = 'value' | 'bucket' | 'sum' | 'count';

export function promSeriesNames(
  metricName: string,
  unit: string,
  type: PromType,
): { name: string; part: PromSeriesPart }[] {
  const family = promFamilyName(metricName, unit, type);
  switch (type) {
    case 'gauge':
      return [{ name: family, part: 'value' }];
    case 'counter':
      return [{ name: family.endsWith('_total') ? family : `${family}_total`, part: 'value' }];
    case 'histogram':
      return [
        { name: `${family}_bucket`, part: 'bucket' },
        { name: `${family}_sum`, part: 'sum' },
        { name: `${family}_count`, part: 'count' },
      ];
    case 'summary':
    case 'exponential_histogram':
      return [
        { name: `${family}_sum`, part: 'sum' },
        { name: `${family}_count`, part: 'count' },
      ];
  }
}

/** The Prometheus metadata type of a family. */
export function promMetadataType(type: PromType): string {
  return type === 'exponential_histogram' ? 'histogram' : type;
}

/** The ten dimensions besides the tenant, as labels: their OpenTelemetry resource keys, sanitized. */
export const DIMENSION_LABEL_NAMES: Readonly<Record<string, string>> = {
  projectId: 'project_id',
  moduleId: 'module_id',
  artifactId: 'artifact_id',
  executionId: 'execution_id',
  agentId: 'agent_id',
  service: 'service_name',
  serviceVersion: 'service_version',
  environment: 'deployment_environment_name',
  region: 'cloud_region',
  origin: 'telemetry_origin',
};

/** A point attribute key as a label name (`http.route` → `http_route`, `2xx` → `key_2xx`). */
export function promLabelName(key: string): string {
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  else if (out.startsWith('_') && !out.startsWith('__')) out = `key${out}`;
  return out;
}

/**
 * A stream's labels: the dimensions under their label names, then the point attributes sanitized
 * (attributes that sanitize to the same name join their values with `;` in key order; a dimension
 * wins over an attribute of the same name). Empty values are no label, as in Prometheus.
 */
export function promLabels(
  dimensions: Readonly<Record<string, string>>,
  attributes: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key] as string;
    if (value === '') continue;
    const name = promLabelName(key);
    if (name.startsWith('__')) continue;
    out[name] = Object.hasOwn(out, name) ? `${out[name]};${value}` : value;
  }
  for (const [dimension, label] of Object.entries(DIMENSION_LABEL_NAMES)) {
    const value = dimensions[dimension];
    if (value !== undefined && value !== '') out[label] = value;
  }
  return out;
}

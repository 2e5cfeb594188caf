import {
  LATENCY_PERCENTILES,
  SLO_QUALITY_DIMENSIONS,
  type LatencyPercentile,
  type Sli,
  type SloDefinitionFields,
  type SloQualityDimension,
} from '@obs/domain';
import { HttpProblem } from '@obs/service-kit';
import { parseAllDocuments } from 'yaml';
import { MAX_WINDOW_MINUTES } from './routes/slo.schemas.js';

/*
 * OpenSLO v1 (https://github.com/OpenSLO/OpenSLO#slo), the subset this service can honour:
 * kind SLO with an inline indicator (ratioMetric good/total, or thresholdMetric), one objective,
 * one rolling time window, budgetingMethod Occurrences. Anything else is refused with 422 naming
 * the field, rather than imported with a meaning it would not have here.
 */

export const MAX_IMPORT_DOCUMENTS = 100;
/** The metric source type naming this platform's own metrics (the only one it can read). */
export const OBS_METRIC_SOURCE = 'obs';

export const IMPORT_CODES = [
  'openslo.invalid_yaml',
  'openslo.unsupported_field',
  'openslo.invalid_document',
] as const;

type Json = Record<string, unknown>;

/** A value as a message shows it. */
const shown = (value: unknown): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? 'nothing');

/** A definition read from document `index` (1-based), for error messages. */
export interface ImportedSlo {
  readonly index: number;
  readonly fields: SloDefinitionFields;
}

class Reader {
  constructor(private readonly index: number) {}

  unsupported(path: string, why = 'is not supported'): HttpProblem {
    return new HttpProblem(
      422,
      'openslo.unsupported_field',
      'Unprocessable Content',
      `document ${this.index}: ${path} ${why}`,
      [{ field: path, message: why }],
    );
  }

  invalid(path: string, why: string): HttpProblem {
    return new HttpProblem(
      422,
      'openslo.invalid_document',
      'Unprocessable Content',
      `document ${this.index}: ${path} ${why}`,
      [{ field: path, message: why }],
    );
  }

  /** The object at `path`, refusing keys outside `allowed` (the first one is named). */
  object(value: unknown, path: string, allowed: readonly string[]): Json {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw this.invalid(path || 'document', 'must be a mapping');
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) throw this.unsupported(path ? `${path}.${key}` : key);
    }
    return value as Json;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') {
      throw this.invalid(path, 'must be a non-empty string');
    }
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path);
  }

  /** A list of exactly one item. */
  single(value: unknown, path: string): unknown {
    if (!Array.isArray(value) || value.length === 0) {
      throw this.invalid(path, 'must be a list with one item');
    }
    if (value.length > 1) throw this.unsupported(`${path}[1]`, 'is not supported (one item only)');
    return value[0];
  }

  stringMap(value: unknown, path: string): Record<string, string> {
    if (value === undefined) return {};
    const map = this.object(value, path, Object.keys((value as Json | null) ?? {}));
    for (const [key, entry] of Object.entries(map)) {
      if (typeof entry !== 'string') throw this.invalid(`${path}.${key}`, 'must be a string');
    }
    return map as Record<string, string>;
  }
}

const METADATA_KEYS = ['name', 'displayName', 'labels', 'annotations'];

/** `metricSource` → the metric name and its group filter (plus a percentile for latency). */
function metricSource(
  r: Reader,
  value: unknown,
  path: string,
  extra: readonly string[],
): { metric: string; filter: Record<string, string>; spec: Json } {
  const source = r.object(value, path, ['type', 'spec']);
  if (source.type !== undefined && source.type !== OBS_METRIC_SOURCE) {
    throw r.unsupported(
      `${path}.type`,
      `'${shown(source.type)}' is not supported (only '${OBS_METRIC_SOURCE}', this platform's metrics)`,
    );
  }
  const spec = r.object(source.spec, `${path}.spec`, ['metric', 'filter', ...extra]);
  return {
    metric: r.string(spec.metric, `${path}.spec.metric`),
    filter: r.stringMap(spec.filter, `${path}.spec.filter`),
    spec,
  };
}

function sameFilter(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function ratioIndicator(r: Reader, value: unknown, path: string): Sli {
  const ratio = r.object(value, path, ['counter', 'good', 'total']);
  if (ratio.counter !== undefined && ratio.counter !== true) {
    throw r.unsupported(`${path}.counter`, 'must be true (windows count events of counters)');
  }
  if (ratio.good === undefined) throw r.invalid(`${path}.good`, 'is required');
  if (ratio.total === undefined) throw r.invalid(`${path}.total`, 'is required');
  const good = metricSource(
    r,
    r.object(ratio.good, `${path}.good`, ['metricSource']).metricSource,
    `${path}.good.metricSource`,
    [],
  );
  const total = metricSource(
    r,
    r.object(ratio.total, `${path}.total`, ['metricSource']).metricSource,
    `${path}.total.metricSource`,
    [],
  );
  if (!sameFilter(good.filter, total.filter)) {
    throw r.unsupported(
      `${path}.total.metricSource.spec.filter`,
      'must equal the good filter (one group filter per SLI)',
    );
  }
  return { kind: 'ratio', goodMetric: good.metric, totalMetric: total.metric, filter: good.filter };
}

function thresholdIndicator(
  r: Reader,
  value: unknown,
  path: string,
  objective: Json,
  objectivePath: string,
): Sli {
  const threshold = r.object(value, path, ['metricSource']);
  const source = metricSource(r, threshold.metricSource, `${path}.metricSource`, ['percentile']);
  const percentile = source.spec.percentile ?? 'p99';
  if (!(LATENCY_PERCENTILES as readonly unknown[]).includes(percentile)) {
    throw r.unsupported(
      `${path}.metricSource.spec.percentile`,
      `must be one of ${LATENCY_PERCENTILES.join(', ')}`,
    );
  }
  if (objective.op !== 'lte') {
    throw r.unsupported(`${objectivePath}.op`, "must be 'lte' (good while percentile ≤ value)");
  }
  if (typeof objective.value !== 'number' || !Number.isFinite(objective.value)) {
    throw r.invalid(`${objectivePath}.value`, 'must be a number (the latency threshold)');
  }
  return {
    kind: 'latency',
    metric: source.metric,
    percentile: percentile as LatencyPercentile,
    threshold: objective.value,
    filter: source.filter,
  };
}

const DURATION_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: 1_440, w: 10_080 };

function windowMinutes(r: Reader, value: unknown, path: string): number {
  const window = r.object(value, path, ['duration', 'isRolling']);
  if (window.isRolling !== true) {
    throw r.unsupported(`${path}.isRolling`, 'must be true (rolling windows only)');
  }
  const duration = r.string(window.duration, `${path}.duration`);
  const match = /^([1-9][0-9]{0,6})([mhdw])$/.exec(duration);
  const unit = match?.[2];
  if (!match || unit === undefined) {
    throw r.unsupported(
      `${path}.duration`,
      `'${duration}' is not supported (a rolling duration in m, h, d or w)`,
    );
  }
  const minutes = Number(match[1]) * (DURATION_MINUTES[unit] ?? 0);
  if (minutes > MAX_WINDOW_MINUTES) {
    throw r.unsupported(`${path}.duration`, `'${duration}' is longer than 366 days`);
  }
  return minutes;
}

/** 0.999 → 99.9 (six decimals of a percent are what the domain keeps). */
function targetPercent(r: Reader, objective: Json, path: string): number {
  if (objective.target !== undefined && objective.targetPercent !== undefined) {
    throw r.invalid(path, 'takes target or targetPercent, not both');
  }
  if (typeof objective.target === 'number') {
    // target × 100 in floating point (0.999 → 99.9 needs rounding off the binary noise); a
    // target finer than six decimals of a percent stays unrounded, for the domain to refuse.
    const percent = objective.target * 100;
    const rounded = Math.round(percent * 1e6) / 1e6;
    return Math.abs(percent - rounded) < 1e-9 ? rounded : percent;
  }
  if (typeof objective.targetPercent === 'number') return objective.targetPercent;
  throw r.invalid(`${path}.target`, 'is required (a number in (0, 1))');
}

/** The annotation naming the quality dimension an imported SLO guards (OpenSLO has no field). */
export const QUALITY_DIMENSION_ANNOTATION = 'obs-platform/quality-dimension';

function qualityDimensionOf(r: Reader, annotations: unknown): SloQualityDimension | null {
  const path = `metadata.annotations.${QUALITY_DIMENSION_ANNOTATION}`;
  const value = r.stringMap(annotations, 'metadata.annotations')[QUALITY_DIMENSION_ANNOTATION];
  if (value === undefined) return null;
  if (!(SLO_QUALITY_DIMENSIONS as readonly string[]).includes(value)) {
    throw r.invalid(path, `must be one of ${SLO_QUALITY_DIMENSIONS.join(', ')}`);
  }
  return value as SloQualityDimension;
}

function readDocument(r: Reader, doc: unknown): SloDefinitionFields {
  const root = r.object(doc, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  if (root.apiVersion !== 'openslo/v1') {
    throw r.unsupported('apiVersion', `'${shown(root.apiVersion)}' is not supported (openslo/v1)`);
  }
  if (root.kind !== 'SLO') {
    throw r.unsupported('kind', `'${shown(root.kind)}' is not supported (kind SLO only)`);
  }
  const metadata = r.object(root.metadata, 'metadata', METADATA_KEYS);
  const name =
    r.optionalString(metadata.displayName, 'metadata.displayName') ??
    r.string(metadata.name, 'metadata.name');
  const spec = r.object(root.spec, 'spec', [
    'description',
    'service',
    'indicator',
    'budgetingMethod',
    'timeWindow',
    'objectives',
  ]);
  if (spec.budgetingMethod !== undefined && spec.budgetingMethod !== 'Occurrences') {
    throw r.unsupported(
      'spec.budgetingMethod',
      `'${shown(spec.budgetingMethod)}' is not supported (Occurrences only)`,
    );
  }
  const objectivePath = 'spec.objectives[0]';
  const objective = r.object(r.single(spec.objectives, 'spec.objectives'), objectivePath, [
    'displayName',
    'target',
    'targetPercent',
    'op',
    'value',
  ]);
  if (spec.indicator === undefined) throw r.invalid('spec.indicator', 'is required (inline SLI)');
  const indicator = r.object(spec.indicator, 'spec.indicator', ['metadata', 'spec']);
  if (indicator.metadata !== undefined) {
    r.object(indicator.metadata, 'spec.indicator.metadata', METADATA_KEYS);
  }
  const sliSpec = r.object(indicator.spec, 'spec.indicator.spec', [
    'description',
    'ratioMetric',
    'thresholdMetric',
  ]);
  if ((sliSpec.ratioMetric === undefined) === (sliSpec.thresholdMetric === undefined)) {
    throw r.invalid('spec.indicator.spec', 'needs exactly one of ratioMetric, thresholdMetric');
  }
  let sli: Sli;
  if (sliSpec.ratioMetric !== undefined) {
    for (const key of ['op', 'value']) {
      if (objective[key] !== undefined) {
        throw r.unsupported(`${objectivePath}.${key}`, 'applies to thresholdMetric only');
      }
    }
    sli = ratioIndicator(r, sliSpec.ratioMetric, 'spec.indicator.spec.ratioMetric');
  } else {
    sli = thresholdIndicator(
      r,
      sliSpec.thresholdMetric,
      'spec.indicator.spec.thresholdMetric',
      objective,
      objectivePath,
    );
  }
  return {
    name,
    qualityDimension: qualityDimensionOf(r, metadata.annotations),
    projectId: r.string(spec.service, 'spec.service'),
    target: targetPercent(r, objective, objectivePath),
    windowMinutes: windowMinutes(
      r,
      r.single(spec.timeWindow, 'spec.timeWindow'),
      'spec.timeWindow[0]',
    ),
    indicator: sli,
  };
}

/**
 * Every SLO of a (multi-document) OpenSLO file, or the first problem found: a YAML syntax error
 * answers 400, an unsupported or invalid field 422 naming the document and the field. Empty
 * documents (a trailing `---`) are skipped.
 */
export function parseOpenSlo(text: string): ImportedSlo[] {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const imported: ImportedSlo[] = [];
  for (const [offset, document] of list.entries()) {
    const index = offset + 1;
    const error = document.errors[0];
    if (error) {
      throw new HttpProblem(
        400,
        'openslo.invalid_yaml',
        'Bad Request',
        `document ${index}: ${error.message.split('\n')[0] ?? 'invalid YAML'}`,
        [{ field: 'body', message: 'invalid YAML' }],
      );
    }
    let value: unknown;
    try {
      // maxAliasCount bounds alias expansion ("billion laughs"); beyond it toJS throws.
      value = document.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw new HttpProblem(
        400,
        'openslo.invalid_yaml',
        'Bad Request',
        `document ${index}: ${(cause as Error).message.split('\n')[0] ?? 'invalid YAML'}`,
        [{ field: 'body', message: 'invalid YAML' }],
      );
    }
    if (value === null || value === undefined) continue;
    if (imported.length === MAX_IMPORT_DOCUMENTS) {
      throw new Reader(index).unsupported('document', `beyond ${MAX_IMPORT_DOCUMENTS} SLOs`);
    }
    imported.push({ index, fields: readDocument(new Reader(index), value) });
  }
  if (imported.length === 0) {
    throw new Reader(1).invalid('document', 'is missing: no SLO in the body');
  }
  return imported;
}

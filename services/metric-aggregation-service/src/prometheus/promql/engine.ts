import {
  typeOf,
  type Expr,
  type LabelMatcher,
  type MatrixSelector,
  type VectorSelector,
} from './ast.js';
import { aggregate } from './aggregate.js';
import { binary, checkUnique } from './binary.js';
import { PromError, badData, execution, unsupported } from './errors.js';
import {
  avgOverTime,
  countOverTime,
  expandTemplate,
  extrapolatedRate,
  irate,
  maxOverTime,
  minOverTime,
  roundTo,
  sumOverTime,
  type RangeSamples,
} from './functions.js';
import { compileGoRegex } from './go-syntax.js';
import { histogramQuantile } from './quantile.js';
import { compareLabels, labelsKey, withoutName, type Labels } from './labels.js';
import type { MatrixSeries, Sample, SeriesData, StepValue } from './values.js';

/** Where selectors read their series: samples with minT < t ≤ maxT, in time order. */
export interface Querier {
  select(
    matchers: readonly LabelMatcher[],
    minT: number,
    maxT: number,
    limits: QueryLimits,
  ): Promise<SeriesData[]>;
}

export interface QueryLimits {
  /** Series one selector may load. */
  readonly maxSeries: number;
  /** Samples all selectors of a query may load, and points a result may hold. */
  readonly maxSamples: number;
}

export interface EvalOptions {
  readonly start: number;
  readonly end: number;
  /** 0 for an instant query. */
  readonly step: number;
  readonly lookbackMs: number;
  readonly limits: QueryLimits;
  /** Epoch ms after which evaluation stops with a timeout error. */
  readonly deadline: number;
  readonly now?: () => number;
}

export type QueryResult =
  | { readonly resultType: 'scalar'; readonly result: readonly [number, number] }
  | { readonly resultType: 'string'; readonly result: readonly [number, string] }
  | {
      readonly resultType: 'vector';
      readonly result: readonly { labels: Labels; t: number; value: number }[];
    }
  | { readonly resultType: 'matrix'; readonly result: readonly MatrixSeries[] };

export const TOO_MANY_SAMPLES =
  'query processing would load too many samples into memory in query execution';
export const TOO_MANY_SERIES =
  'query processing would load too many series into memory in query execution';
export const TIMED_OUT = 'query timed out in expression evaluation';

/** Evaluates a parsed query over [start, end] in steps, as promql/engine.go does. */
export async function evaluate(
  expr: Expr,
  querier: Querier,
  options: EvalOptions,
): Promise<QueryResult> {
  const now = options.now ?? Date.now;
  const instant = options.step === 0;
  const type = typeOf(expr);
  if (!instant && type !== 'scalar' && type !== 'vector') {
    throw badData(
      `invalid expression type "${type === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector`,
    );
  }
  const data = await preload(expr, querier, options);
  if (now() > options.deadline) throw new PromError('timeout', TIMED_OUT);
  const ev = new Evaluator(data, options.lookbackMs);
  if (instant) {
    const value = ev.eval(expr, options.start);
    const t = options.start;
    switch (value.kind) {
      case 'scalar':
        return { resultType: 'scalar', result: [t, value.value] };
      case 'string':
        return { resultType: 'string', result: [t, value.value] };
      case 'matrix':
        return { resultType: 'matrix', result: sortSeries([...value.series]) };
      case 'vector': {
        const rows = value.samples.map((s) => ({ labels: s.labels, t, value: s.value }));
        if (!keepsOrder(expr)) rows.sort((a, b) => compareLabels(a.labels, b.labels));
        return { resultType: 'vector', result: rows };
      }
    }
  }
  const series = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  let points = 0;
  for (let ts = options.start; ts <= options.end; ts += options.step) {
    if (now() > options.deadline) throw new PromError('timeout', TIMED_OUT);
    const value = ev.eval(expr, ts);
    const samples: readonly Sample[] =
      value.kind === 'scalar'
        ? [{ labels: {}, value: value.value }]
        : value.kind === 'vector'
          ? value.samples
          : [];
    for (const s of samples) {
      const key = labelsKey(s.labels);
      let target = series.get(key);
      if (target === undefined) {
        target = { labels: s.labels, t: [], v: [] };
        series.set(key, target);
      }
      target.t.push(ts);
      target.v.push(s.value);
    }
    points += samples.length;
    if (points > options.limits.maxSamples) throw execution(TOO_MANY_SAMPLES);
  }
  return { resultType: 'matrix', result: sortSeries([...series.values()]) };
}

/** topk/bottomk answer in their own order (largest first per group), as Prometheus does. */
function keepsOrder(expr: Expr): boolean {
  if (expr.type === 'paren') return keepsOrder(expr.expr);
  return expr.type === 'aggregate' && (expr.op === 'topk' || expr.op === 'bottomk');
}

function sortSeries<T extends { labels: Labels }>(series: T[]): T[] {
  return series.sort((a, b) => compareLabels(a.labels, b.labels));
}

type Selector = VectorSelector | MatrixSelector;

function selectorsOf(expr: Expr, out: Selector[]): Selector[] {
  switch (expr.type) {
    case 'vector':
    case 'matrix':
      out.push(expr);
      break;
    case 'call':
      for (const a of expr.args) selectorsOf(a, out);
      break;
    case 'aggregate':
      if (expr.param) selectorsOf(expr.param, out);
      selectorsOf(expr.expr, out);
      break;
    case 'binary':
      selectorsOf(expr.lhs, out);
      selectorsOf(expr.rhs, out);
      break;
    case 'unary':
    case 'paren':
      selectorsOf(expr.expr, out);
      break;
    default:
      break;
  }
  return out;
}

/** Loads every selector's samples for the whole query once: (start − offset − range, end − offset]. */
async function preload(
  expr: Expr,
  querier: Querier,
  options: EvalOptions,
): Promise<Map<Selector, SeriesData[]>> {
  const out = new Map<Selector, SeriesData[]>();
  let samples = 0;
  for (const sel of selectorsOf(expr, [])) {
    const vector = sel.type === 'vector' ? sel : sel.vector;
    const reach = sel.type === 'vector' ? options.lookbackMs : sel.rangeMs;
    const minT = options.start - vector.offsetMs - reach;
    const maxT = options.end - vector.offsetMs;
    const series = await querier.select(vector.matchers, minT, maxT, {
      ...options.limits,
      maxSamples: options.limits.maxSamples - samples,
    });
    if (series.length > options.limits.maxSeries) throw execution(TOO_MANY_SERIES);
    for (const s of series) samples += s.t.length;
    if (samples > options.limits.maxSamples) throw execution(TOO_MANY_SAMPLES);
    out.set(sel, series);
  }
  return out;
}

/** Index of the first sample with t > bound (binary search). */
function upper(t: readonly number[], bound: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((t[mid] as number) <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const RANGE_FUNCTIONS: Readonly<
  Record<
    string,
    (s: RangeSamples, start: number, end: number, rangeMs: number) => number | undefined
  >
> = {
  rate: (s, a, b, r) => extrapolatedRate(s, a, b, r, true, true),
  increase: (s, a, b, r) => extrapolatedRate(s, a, b, r, true, false),
  delta: (s, a, b, r) => extrapolatedRate(s, a, b, r, false, false),
  irate: (s) => irate(s),
  avg_over_time: (s) => avgOverTime(s),
  min_over_time: (s) => minOverTime(s),
  max_over_time: (s) => maxOverTime(s),
  sum_over_time: (s) => sumOverTime(s),
  count_over_time: (s) => countOverTime(s),
};

class Evaluator {
  constructor(
    private readonly data: Map<Selector, SeriesData[]>,
    private readonly lookbackMs: number,
  ) {}

  eval(expr: Expr, ts: number): StepValue {
    switch (expr.type) {
      case 'number':
        return { kind: 'scalar', value: expr.value };
      case 'string':
        return { kind: 'string', value: expr.value };
      case 'paren':
        return this.eval(expr.expr, ts);
      case 'vector':
        return { kind: 'vector', samples: this.instant(expr, ts) };
      case 'matrix':
        return { kind: 'matrix', series: this.range(expr, ts) };
      case 'unary': {
        const v = this.eval(expr.expr, ts);
        if (expr.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', value: -v.value };
        if (v.kind !== 'vector') throw badData('unary minus needs a scalar or an instant vector');
        const samples = v.samples.map((s) => ({ labels: withoutName(s.labels), value: -s.value }));
        checkUnique(samples);
        return { kind: 'vector', samples };
      }
      case 'binary':
        return binary(expr, this.eval(expr.lhs, ts), this.eval(expr.rhs, ts));
      case 'aggregate': {
        const param = expr.param ? this.eval(expr.param, ts) : undefined;
        const input = this.eval(expr.expr, ts);
        if (input.kind !== 'vector') throw badData('aggregation needs an instant vector');
        return {
          kind: 'vector',
          samples: aggregate(expr, input.samples, param?.kind === 'scalar' ? param.value : NaN),
        };
      }
      case 'call':
        return this.call(expr.fn, expr.args, ts);
    }
  }

  private instant(sel: VectorSelector, ts: number): Sample[] {
    const at = ts - sel.offsetMs;
    const out: Sample[] = [];
    for (const s of this.data.get(sel) ?? []) {
      const i = upper(s.t, at) - 1;
      if (i < 0) continue;
      // Lookback: the newest sample in (t − 5m, t].
      if ((s.t[i] as number) <= at - this.lookbackMs) continue;
      out.push({ labels: s.labels, value: s.v[i] as number });
    }
    return out;
  }

  private range(sel: MatrixSelector, ts: number): MatrixSeries[] {
    const end = ts - sel.vector.offsetMs;
    const start = end - sel.rangeMs;
    const out: MatrixSeries[] = [];
    for (const s of this.data.get(sel) ?? []) {
      const lo = upper(s.t, start);
      const hi = upper(s.t, end);
      if (hi <= lo) continue;
      out.push({ labels: s.labels, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) });
    }
    return out;
  }

  private call(fn: string, args: readonly Expr[], ts: number): StepValue {
    const rangeFn = RANGE_FUNCTIONS[fn];
    if (rangeFn !== undefined) {
      const sel = args[0] as MatrixSelector;
      const end = ts - sel.vector.offsetMs;
      const start = end - sel.rangeMs;
      const samples: Sample[] = [];
      for (const s of this.range(sel, ts)) {
        const value = rangeFn(s, start, end, sel.rangeMs);
        if (value !== undefined) samples.push({ labels: withoutName(s.labels), value });
      }
      checkUnique(samples);
      return { kind: 'vector', samples };
    }
    const vectorArg = () => {
      const v = this.eval(args[0] as Expr, ts);
      if (v.kind !== 'vector') throw badData(`${fn} needs an instant vector`);
      return v.samples;
    };
    const scalarArg = (i: number, fallback: number) => {
      const arg = args[i];
      if (arg === undefined) return fallback;
      const v = this.eval(arg, ts);
      return v.kind === 'scalar' ? v.value : NaN;
    };
    const stringArg = (i: number) => (args[i] as { value: string }).value;
    const mapValues = (f: (x: number) => number): StepValue => {
      const samples = vectorArg().map((s) => ({
        labels: withoutName(s.labels),
        value: f(s.value),
      }));
      checkUnique(samples);
      return { kind: 'vector', samples };
    };
    switch (fn) {
      case 'time':
        return { kind: 'scalar', value: ts / 1000 };
      case 'vector':
        return { kind: 'vector', samples: [{ labels: {}, value: scalarArg(0, NaN) }] };
      case 'scalar': {
        const v = vectorArg();
        return { kind: 'scalar', value: v.length === 1 ? (v[0] as Sample).value : NaN };
      }
      case 'abs':
        return mapValues(Math.abs);
      case 'clamp_min': {
        const min = scalarArg(1, NaN);
        return mapValues((x) => goMax(min, x));
      }
      case 'clamp_max': {
        const max = scalarArg(1, NaN);
        return mapValues((x) => goMin(max, x));
      }
      case 'round': {
        const toNearest = scalarArg(1, 1);
        return mapValues((x) => roundTo(x, toNearest));
      }
      case 'label_replace':
        return this.labelReplace(
          vectorArg(),
          stringArg(1),
          stringArg(2),
          stringArg(3),
          stringArg(4),
        );
      case 'histogram_quantile': {
        const samples = histogramQuantile(
          scalarArg(0, NaN),
          this.vectorOf(args[1] as Expr, ts, fn),
        );
        checkUnique(samples);
        return { kind: 'vector', samples };
      }
      default:
        throw unsupported(`function "${fn}"`);
    }
  }

  private vectorOf(arg: Expr, ts: number, fn: string): readonly Sample[] {
    const v = this.eval(arg, ts);
    if (v.kind !== 'vector') throw badData(`${fn} needs an instant vector`);
    return v.samples;
  }

  private labelReplace(
    input: readonly Sample[],
    dst: string,
    replacement: string,
    src: string,
    pattern: string,
  ): StepValue {
    const regex = compileGoRegex(pattern, 'label_replace()');
    const samples = input.map((s) => {
      const match = regex.exec(s.labels[src] ?? '');
      if (match === null) return s;
      const value = expandTemplate(replacement, match);
      const labels: Record<string, string> = { ...s.labels };
      if (value === '') delete labels[dst];
      else labels[dst] = value;
      return { labels, value: s.value };
    });
    checkUnique(samples);
    return { kind: 'vector', samples };
  }
}

/** Go's math.Max / math.Min: NaN wins, and -0 < +0. */
function goMax(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  return Math.max(a, b);
}
function goMin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  return Math.min(a, b);
}

import type { Expr } from './ast.js';
import { kOf } from './functions.js';
import { labelsKey, METRIC_NAME, omit, pick, type Labels } from './labels.js';
import { kahanSumInc, type Sample } from './values.js';

type AggregateExpr = Extract<Expr, { type: 'aggregate' }>;

interface Group {
  readonly labels: Labels;
  count: number;
  value: number;
  c: number;
  mean: number;
  incremental: boolean;
  members: Sample[];
}

/** sum, avg, min, max, count, topk, bottomk with by/without, as promql/engine.go aggregates. */
export function aggregate(expr: AggregateExpr, input: readonly Sample[], param: number): Sample[] {
  const groupLabels = (labels: Labels): Labels =>
    expr.without ? omit(labels, [...expr.grouping, METRIC_NAME]) : pick(labels, expr.grouping);
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  let k = 0;
  if (expr.op === 'topk' || expr.op === 'bottomk') {
    k = kOf(param);
    if (k < 1) return [];
  }
  for (const s of input) {
    const labels = groupLabels(s.labels);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels, count: 1, value: s.value, c: 0, mean: 0, incremental: false, members: [s] };
      groups.set(key, g);
      order.push(g);
      continue;
    }
    g.count++;
    switch (expr.op) {
      case 'sum':
        [g.value, g.c] = kahanSumInc(s.value, g.value, g.c);
        break;
      case 'avg': {
        if (!g.incremental) {
          const [v, c] = kahanSumInc(s.value, g.value, g.c);
          if (Number.isFinite(v) || Number.isNaN(v)) {
            g.value = v;
            g.c = c;
            break;
          }
          g.incremental = true;
          g.mean = g.value / (g.count - 1);
          g.c /= g.count - 1;
        }
        const q = (g.count - 1) / g.count;
        [g.mean, g.c] = kahanSumInc(s.value / g.count, q * g.mean, q * g.c);
        break;
      }
      case 'min':
        if (g.value > s.value || Number.isNaN(g.value)) g.value = s.value;
        break;
      case 'max':
        if (g.value < s.value || Number.isNaN(g.value)) g.value = s.value;
        break;
      case 'topk':
      case 'bottomk':
        g.members.push(s);
        break;
      case 'count':
        break;
    }
  }
  if (expr.op === 'topk' || expr.op === 'bottomk') {
    const top = expr.op === 'topk';
    // NaN sorts last either way: topk never prefers it, bottomk neither.
    const rank = (a: Sample, b: Sample) => {
      const an = Number.isNaN(a.value);
      const bn = Number.isNaN(b.value);
      if (an || bn) return an === bn ? 0 : an ? 1 : -1;
      return top ? b.value - a.value : a.value - b.value;
    };
    return order.flatMap((g) => [...g.members].sort(rank).slice(0, k));
  }
  return order.map((g) => {
    switch (expr.op) {
      case 'count':
        return { labels: g.labels, value: g.count };
      case 'sum':
        return { labels: g.labels, value: Number.isFinite(g.value) ? g.value + g.c : g.value };
      case 'avg':
        return {
          labels: g.labels,
          value: g.incremental ? g.mean + g.c : g.value / g.count + g.c / g.count,
        };
      default:
        return { labels: g.labels, value: g.value };
    }
  });
}

import { COMPARISON_OPS, SET_OPS, type BinaryOp, type Expr, type VectorMatching } from './ast.js';
import { badData, execution } from './errors.js';
import { goPow } from './functions.js';
import {
  formatLabels,
  labelsKey,
  METRIC_NAME,
  omit,
  pick,
  withoutName,
  type Labels,
} from './labels.js';
import type { Sample, StepValue } from './values.js';

type BinaryExpr = Extract<Expr, { type: 'binary' }>;

/** vectorElemBinop: the value and whether a comparison keeps the element. */
function elem(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+':
      return [l + r, true];
    case '-':
      return [l - r, true];
    case '*':
      return [l * r, true];
    case '/':
      return [l / r, true];
    case '%':
      return [l % r, true];
    case '^':
      return [goPow(l, r), true];
    case 'atan2':
      return [Math.atan2(l, r), true];
    case '==':
      return [l, l === r];
    case '!=':
      return [l, l !== r];
    case '>':
      return [l, l > r];
    case '<':
      return [l, l < r];
    case '>=':
      return [l, l >= r];
    case '<=':
      return [l, l <= r];
    default:
      throw badData(`operator "${op}" not allowed here`);
  }
}

/** Arithmetic drops the metric name; a comparison filter keeps the left-hand side's labels. */
const dropsName = (op: BinaryOp) => !COMPARISON_OPS.has(op) && !SET_OPS.has(op);

/** "vector cannot contain metrics with the same labelset" (engine.go, rangeEval). */
export function checkUnique(samples: readonly Sample[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw execution('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
}

export function binary(expr: BinaryExpr, lhs: StepValue, rhs: StepValue): StepValue {
  const { op, bool } = expr;
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const [value, keep] = elem(op, lhs.value, rhs.value);
    return { kind: 'scalar', value: bool ? (keep ? 1 : 0) : value };
  }
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') {
    return vectorScalar(op, bool, lhs.samples, rhs.value, false);
  }
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') {
    return vectorScalar(op, bool, rhs.samples, lhs.value, true);
  }
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const matching = expr.matching ?? { on: false, labels: [] };
    if (SET_OPS.has(op))
      return { kind: 'vector', samples: setOp(op, lhs.samples, rhs.samples, matching) };
    return { kind: 'vector', samples: vectorVector(op, bool, lhs.samples, rhs.samples, matching) };
  }
  throw badData('binary expression must contain only scalar and instant vector types');
}

function vectorScalar(
  op: BinaryOp,
  bool: boolean,
  samples: readonly Sample[],
  scalar: number,
  swap: boolean,
): StepValue {
  const comparison = COMPARISON_OPS.has(op);
  const out: Sample[] = [];
  for (const s of samples) {
    const [l, r] = swap ? [scalar, s.value] : [s.value, scalar];
    let [value, keep] = elem(op, l, r);
    // The vector element's value is kept, whichever side the scalar is on.
    if (comparison && swap) value = r;
    if (bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.push({ labels: bool || dropsName(op) ? withoutName(s.labels) : s.labels, value });
  }
  checkUnique(out);
  return { kind: 'vector', samples: out };
}

function signature(labels: Labels, matching: VectorMatching): string {
  return labelsKey(
    matching.on ? pick(labels, matching.labels) : omit(labels, [...matching.labels, METRIC_NAME]),
  );
}

function vectorVector(
  op: BinaryOp,
  bool: boolean,
  lhs: readonly Sample[],
  rhs: readonly Sample[],
  matching: VectorMatching,
): Sample[] {
  const right = new Map<string, Sample>();
  for (const r of rhs) {
    const sig = signature(r.labels, matching);
    const held = right.get(sig);
    if (held !== undefined) {
      // Ordered as Prometheus orders them, so the message does not depend on the series order.
      const [first, second] = [formatLabels(held.labels), formatLabels(r.labels)].sort();
      throw execution(
        `found duplicate series for the match group ${formatLabels(matchGroup(r.labels, matching))} on the right hand-side of the operation: [${first}, ${second}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(sig, r);
  }
  const matched = new Set<string>();
  const out: Sample[] = [];
  for (const l of lhs) {
    const sig = signature(l.labels, matching);
    const r = right.get(sig);
    if (r === undefined) continue;
    let [value, keep] = elem(op, l.value, r.value);
    if (bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (matched.has(sig)) {
      throw execution(
        'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
      );
    }
    matched.add(sig);
    if (!keep) continue;
    let labels = bool || dropsName(op) ? withoutName(l.labels) : l.labels;
    labels = matching.on ? pick(labels, matching.labels) : omit(labels, matching.labels);
    out.push({ labels, value });
  }
  checkUnique(out);
  return out;
}

function matchGroup(labels: Labels, matching: VectorMatching): Labels {
  return matching.on
    ? pick(labels, matching.labels)
    : omit(labels, [...matching.labels, METRIC_NAME]);
}

function setOp(
  op: BinaryOp,
  lhs: readonly Sample[],
  rhs: readonly Sample[],
  matching: VectorMatching,
): Sample[] {
  const rightSigs = new Set(rhs.map((r) => signature(r.labels, matching)));
  switch (op) {
    case 'and':
      return lhs.filter((l) => rightSigs.has(signature(l.labels, matching)));
    case 'unless':
      return lhs.filter((l) => !rightSigs.has(signature(l.labels, matching)));
    default: {
      const leftSigs = new Set(lhs.map((l) => signature(l.labels, matching)));
      return [...lhs, ...rhs.filter((r) => !leftSigs.has(signature(r.labels, matching)))];
    }
  }
}

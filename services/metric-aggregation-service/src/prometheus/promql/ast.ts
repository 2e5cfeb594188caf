/** The PromQL syntax tree the evaluator walks: only the supported subset can be built. */

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** For =~ and !~: the value anchored and compiled (`^(?:value)$`, dot matching newlines). */
  readonly regex?: RegExp;
}

export interface VectorSelector {
  readonly type: 'vector';
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
}

export interface MatrixSelector {
  readonly type: 'matrix';
  readonly vector: VectorSelector;
  readonly rangeMs: number;
}

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | 'atan2'
  | '=='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'and'
  | 'or'
  | 'unless';

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<BinaryOp> = new Set(['and', 'or', 'unless']);

export interface VectorMatching {
  /** `on(...)` (true) or `ignoring(...)` / no clause (false). */
  readonly on: boolean;
  readonly labels: readonly string[];
}

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'topk' | 'bottomk';

export type Expr =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | VectorSelector
  | MatrixSelector
  | { readonly type: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | {
      readonly type: 'aggregate';
      readonly op: AggregateOp;
      readonly param: Expr | undefined;
      readonly expr: Expr;
      readonly grouping: readonly string[];
      readonly without: boolean;
    }
  | {
      readonly type: 'binary';
      readonly op: BinaryOp;
      readonly lhs: Expr;
      readonly rhs: Expr;
      readonly bool: boolean;
      readonly matching: VectorMatching | undefined;
    }
  | { readonly type: 'unary'; readonly op: '-' | '+'; readonly expr: Expr }
  | { readonly type: 'paren'; readonly expr: Expr };

/** Prometheus' value types (parser.ValueType). */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export function typeOf(expr: Expr): ValueType {
  switch (expr.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
    case 'aggregate':
      return 'vector';
    case 'matrix':
      return 'matrix';
    case 'call':
      return FUNCTION_RETURNS[expr.fn] ?? 'vector';
    case 'binary':
      return typeOf(expr.lhs) === 'scalar' && typeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(expr.expr);
  }
}

/** The supported functions: argument types (a trailing `?` marks an optional one) and result. */
export const FUNCTIONS: Readonly<Record<string, { args: string[]; returns: ValueType }>> = {
  rate: { args: ['matrix'], returns: 'vector' },
  irate: { args: ['matrix'], returns: 'vector' },
  increase: { args: ['matrix'], returns: 'vector' },
  delta: { args: ['matrix'], returns: 'vector' },
  avg_over_time: { args: ['matrix'], returns: 'vector' },
  min_over_time: { args: ['matrix'], returns: 'vector' },
  max_over_time: { args: ['matrix'], returns: 'vector' },
  sum_over_time: { args: ['matrix'], returns: 'vector' },
  count_over_time: { args: ['matrix'], returns: 'vector' },
  abs: { args: ['vector'], returns: 'vector' },
  clamp_min: { args: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { args: ['vector', 'scalar'], returns: 'vector' },
  round: { args: ['vector', 'scalar?'], returns: 'vector' },
  time: { args: [], returns: 'scalar' },
  vector: { args: ['scalar'], returns: 'vector' },
  scalar: { args: ['vector'], returns: 'scalar' },
  label_replace: { args: ['vector', 'string', 'string', 'string', 'string'], returns: 'vector' },
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector' },
};

const FUNCTION_RETURNS: Readonly<Record<string, ValueType>> = Object.fromEntries(
  Object.entries(FUNCTIONS).map(([name, f]) => [name, f.returns]),
);

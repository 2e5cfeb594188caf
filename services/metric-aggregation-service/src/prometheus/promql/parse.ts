import type { SyntaxNode } from '@lezer/common';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import {
  COMPARISON_OPS,
  FUNCTIONS,
  SET_OPS,
  typeOf,
  type AggregateOp,
  type BinaryOp,
  type Expr,
  type LabelMatcher,
  type MatchType,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { badData, unsupported } from './errors.js';
import { compileGoRegex, parseNumberLiteral, parsePromDuration, unquote } from './go-syntax.js';

/**
 * PromQL text → the evaluator's AST, with the Prometheus project's own grammar
 * (`@prometheus-io/lezer-promql`, strict: a syntax error is a parse error, never a recovered tree).
 * Type checks follow promql/parser/parse.go (checkAST) and answer bad_data with its wording;
 * syntax the platform does not evaluate (subqueries, `@`, group_left, functions outside the
 * supported set...) answers 422 naming it.
 */
const strict = promqlParser.configure({ strict: true });

const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
};

export function parsePromQL(text: string): Expr {
  if (text.trim() === '') throw badData('1:1: parse error: no expression found in input');
  let top: SyntaxNode;
  try {
    top = strict.parse(text).topNode;
  } catch (error) {
    const at = /(\d+)/.exec((error as Error).message)?.[1];
    const pos = at === undefined ? 0 : Number(at);
    throw badData(`${position(text, pos)}: parse error: unexpected input`);
  }
  const node = top.firstChild;
  if (node === null) throw badData('1:1: parse error: no expression found in input');
  return new Builder(text).expr(node);
}

/** `line:column` (1-based) of an offset, as Prometheus prefixes its parse errors. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
}

const EXPR_NODES = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberDurationLiteral',
  'OffsetExpr',
  'AnchoredExpr',
  'SmoothedExpr',
  'ParenExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
  'StepInvariantExpr',
]);

const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Atan2: 'atan2',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const AGGREGATE_OPS: Readonly<Record<string, AggregateOp>> = {
  Sum: 'sum',
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Count: 'count',
  Topk: 'topk',
  Bottomk: 'bottomk',
};

const MATCH_OPS: Readonly<Record<string, MatchType>> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
};

class Builder {
  constructor(private readonly text: string) {}

  private src(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  private fail(node: SyntaxNode, message: string): never {
    throw badData(`${position(this.text, node.from)}: parse error: ${message}`);
  }

  expr(node: SyntaxNode): Expr {
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { type: 'number', value: parseNumberLiteral(this.src(node).replaceAll(/\s/g, '')) };
      case 'StringLiteral':
        return { type: 'string', value: unquote(this.src(node)) };
      case 'ParenExpr':
        return { type: 'paren', expr: this.expr(this.only(node)) };
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector':
        return this.matrixSelector(node);
      case 'OffsetExpr':
        return this.offset(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'BinaryExpr':
        return this.binary(node);
      case 'UnaryExpr':
        return this.unary(node);
      case 'SubqueryExpr':
        throw unsupported(`subquery ${this.src(node)}`);
      case 'StepInvariantExpr':
        throw unsupported(`the @ modifier in ${this.src(node)}`);
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        throw unsupported(`the anchored/smoothed modifier in ${this.src(node)}`);
      default:
        return this.fail(node, `unexpected ${node.name}`);
    }
  }

  private only(node: SyntaxNode): SyntaxNode {
    const inner = children(node).find((c) => EXPR_NODES.has(c.name));
    if (inner === undefined) return this.fail(node, 'expression expected');
    return inner;
  }

  private exprChildren(node: SyntaxNode): SyntaxNode[] {
    return children(node).filter((c) => EXPR_NODES.has(c.name));
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let name: string | undefined;
    for (const c of children(node)) {
      if (c.name === 'Identifier') {
        name = this.src(c);
        matchers.push({ name: '__name__', type: '=', value: name });
      } else if (c.name === 'LabelMatchers') {
        for (const m of children(c)) {
          if (m.name === 'QuotedLabelName') {
            // {"metric.name"}: a quoted metric name (UTF-8 names, Prometheus 3).
            const quoted = unquote(this.src(m));
            if (name !== undefined) {
              this.fail(m, `metric name must not be set twice: "${name}" or "${quoted}"`);
            }
            name = quoted;
            matchers.push({ name: '__name__', type: '=', value: quoted });
            continue;
          }
          const parts = children(m);
          const labelNode = parts[0] as SyntaxNode;
          const label =
            labelNode.name === 'QuotedLabelName'
              ? unquote(this.src(labelNode))
              : this.src(labelNode);
          const opNode = parts.find((p) => p.name === 'MatchOp')?.firstChild;
          const type = opNode ? MATCH_OPS[opNode.name] : undefined;
          const valueNode = parts.find((p) => p.name === 'StringLiteral');
          if (type === undefined || valueNode === undefined) this.fail(m, 'invalid label matcher');
          const value = unquote(this.src(valueNode));
          if (label === '__name__' && name !== undefined && c.prevSibling !== null) {
            this.fail(m, `metric name must not be set twice: "${name}" or "${value}"`);
          }
          matchers.push(matcher(label, type, value));
        }
      }
    }
    if (!matchers.some((m) => !matches(m, ''))) {
      this.fail(node, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'vector', matchers, offsetMs: 0 };
  }

  private duration(node: SyntaxNode, what: string): number {
    const parts = children(node);
    const literal = parts.length === 1 ? parts[0] : undefined;
    if (literal?.name !== 'NumberDurationLiteralInDurationContext') {
      throw unsupported(`duration expressions (${this.src(node)}) in ${what}`);
    }
    const text = this.src(literal);
    const ms = parsePromDuration(text);
    if (ms !== undefined) return ms;
    const seconds = Number(text);
    if (!Number.isFinite(seconds)) this.fail(node, `bad duration syntax: "${text}"`);
    return Math.round(seconds * 1000);
  }

  private matrixSelector(node: SyntaxNode): Expr {
    const inner = this.only(node);
    const vector = this.expr(inner);
    if (vector.type !== 'vector') {
      this.fail(
        node,
        `ranges only allowed for vector selectors${inner.name === 'OffsetExpr' ? ' (put offset after the range)' : ''}`,
      );
    }
    const durationNode = children(node).find((c) => c.name === 'DurationExpr');
    if (durationNode === undefined) this.fail(node, 'range expected');
    const rangeMs = this.duration(durationNode, 'a range');
    if (rangeMs <= 0) this.fail(durationNode, 'duration must be greater than 0');
    return { type: 'matrix', vector, rangeMs };
  }

  private offset(node: SyntaxNode): Expr {
    const inner = this.expr(this.only(node));
    const durationNode = children(node).find((c) => c.name === 'OffsetDurationExpr');
    if (durationNode === undefined) this.fail(node, 'offset expected');
    return this.withOffset(node, inner, this.offsetDuration(durationNode));
  }

  /**
   * lezer-promql reads `a unless b offset 5m` as `(a unless b) offset 5m`; Prometheus' grammar
   * gives `offset` a higher precedence than every operator, unary minus included, so it belongs
   * to the rightmost operand: `a unless (b offset 5m)`, `-(a offset 5m)`.
   */
  private withOffset(node: SyntaxNode, inner: Expr, offsetMs: number): Expr {
    if (inner.type === 'binary') {
      return { ...inner, rhs: this.withOffset(node, inner.rhs, offsetMs) };
    }
    if (inner.type === 'unary') {
      return { ...inner, expr: this.withOffset(node, inner.expr, offsetMs) };
    }
    if (inner.type === 'vector') {
      if (inner.offsetMs !== 0) this.fail(node, 'offset may not be set multiple times');
      return { ...inner, offsetMs };
    }
    if (inner.type === 'matrix') {
      if (inner.vector.offsetMs !== 0) this.fail(node, 'offset may not be set multiple times');
      return { ...inner, vector: { ...inner.vector, offsetMs } };
    }
    return this.fail(
      node,
      'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
  }

  private offsetDuration(node: SyntaxNode): number {
    const parts = children(node);
    if (parts.length === 2 && parts[0]?.name === 'UnaryOp') {
      const sign = this.src(parts[0]) === '-' ? -1 : 1;
      return sign * this.offsetDuration(parts[1] as SyntaxNode);
    }
    return this.duration(node, 'an offset');
  }

  private call(node: SyntaxNode): Expr {
    const idNode = children(node).find((c) => c.name === 'FunctionIdentifier');
    const fn = idNode ? this.src(idNode) : '';
    const spec = FUNCTIONS[fn];
    if (spec === undefined) throw unsupported(`function "${fn}"`);
    const body = children(node).find((c) => c.name === 'FunctionCallBody');
    const args = body ? this.exprChildren(body).map((c) => this.expr(c)) : [];
    const required = spec.args.filter((a) => !a.endsWith('?')).length;
    if (args.length < required || args.length > spec.args.length) {
      const expected =
        required === spec.args.length
          ? `expected ${required} argument(s)`
          : `expected at most ${spec.args.length} argument(s)`;
      this.fail(node, `${expected} in call to "${fn}", got ${args.length}`);
    }
    args.forEach((arg, i) => {
      const want = (spec.args[i] as string).replace('?', '') as ValueType;
      const got = typeOf(arg);
      if (got !== want) {
        this.fail(
          node,
          `expected type ${TYPE_NAMES[want]} in call to function "${fn}", got ${TYPE_NAMES[got]}`,
        );
      }
    });
    if (fn === 'label_replace') {
      const dst = (args[1] as { value: string }).value;
      if (dst === '' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst)) {
        // Prometheus checks it at evaluation; same error type and words.
        throw badData(`invalid destination label name in label_replace(): ${dst}`);
      }
    }
    return { type: 'call', fn, args };
  }

  private grouping(node: SyntaxNode): string[] {
    return children(node)
      .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName')
      .map((c) => (c.name === 'QuotedLabelName' ? unquote(this.src(c)) : this.src(c)));
  }

  private aggregate(node: SyntaxNode): Expr {
    const parts = children(node);
    const opNode = parts.find((c) => c.name === 'AggregateOp')?.firstChild;
    const op = opNode ? AGGREGATE_OPS[opNode.name] : undefined;
    if (op === undefined) throw unsupported(`aggregation "${opNode ? this.src(opNode) : ''}"`);
    const modifier = parts.find((c) => c.name === 'AggregateModifier');
    const without = modifier?.firstChild?.name === 'Without';
    const labelsNode = modifier
      ? children(modifier).find((c) => c.name === 'GroupingLabels')
      : null;
    const grouping = labelsNode ? this.grouping(labelsNode) : [];
    const body = parts.find((c) => c.name === 'FunctionCallBody');
    const args = body ? this.exprChildren(body).map((c) => this.expr(c)) : [];
    const withParam = op === 'topk' || op === 'bottomk';
    const expected = withParam ? 2 : 1;
    if (args.length !== expected) {
      this.fail(
        node,
        `wrong number of arguments for aggregate expression provided, expected ${expected}, got ${args.length}`,
      );
    }
    const expr = args[args.length - 1] as Expr;
    if (typeOf(expr) !== 'vector') {
      this.fail(
        node,
        `expected type instant vector in aggregation expression, got ${TYPE_NAMES[typeOf(expr)]}`,
      );
    }
    const param = withParam ? args[0] : undefined;
    if (param !== undefined && typeOf(param) !== 'scalar') {
      this.fail(
        node,
        `expected type scalar in aggregation parameter, got ${TYPE_NAMES[typeOf(param)]}`,
      );
    }
    return { type: 'aggregate', op, param, expr, grouping, without };
  }

  private binary(node: SyntaxNode): Expr {
    const parts = children(node);
    const operands = parts.filter((c) => EXPR_NODES.has(c.name));
    const opNode = parts.find((c) => BINARY_OPS[c.name] !== undefined && !EXPR_NODES.has(c.name));
    if (operands.length !== 2 || opNode === undefined)
      this.fail(node, 'binary expression expected');
    const op = BINARY_OPS[opNode.name] as BinaryOp;
    const lhsNode = operands[0] as SyntaxNode;
    // lezer-promql reads `-2 ^ 2` as the literal -2 raised to 2; Prometheus' grammar gives the
    // unary minus MUL's precedence, below `^`: -(2 ^ 2) = -4, as its own engine answers.
    const negated =
      op === '^' && lhsNode.name === 'NumberDurationLiteral' && this.src(lhsNode).startsWith('-');
    const lhs: Expr = negated
      ? {
          type: 'number',
          value: parseNumberLiteral(this.src(lhsNode).slice(1).replaceAll(/\s/g, '')),
        }
      : this.expr(lhsNode);
    const rhs = this.expr(operands[1] as SyntaxNode);
    const bool = parts.some((c) => c.name === 'BoolModifier');
    if (parts.some((c) => c.name === 'FillModifier')) {
      throw unsupported(`fill modifiers in ${this.src(node)}`);
    }
    const clause = parts.find((c) => c.name === 'MatchingModifierClause');
    let matching: VectorMatching | undefined;
    if (clause) {
      const clauseParts = children(clause);
      if (clauseParts.some((c) => c.name === 'GroupLeft' || c.name === 'GroupRight')) {
        throw unsupported(`group_left/group_right (many-to-one matching) in ${this.src(node)}`);
      }
      const labelsNode = clauseParts.find((c) => c.name === 'GroupingLabels');
      matching = {
        on: clauseParts[0]?.name === 'On',
        labels: labelsNode ? this.grouping(labelsNode) : [],
      };
    }
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
      this.fail(node, 'binary expression must contain only scalar and instant vector types');
    }
    if (bool && !COMPARISON_OPS.has(op)) {
      this.fail(node, 'bool modifier can only be used on comparison operators');
    }
    if (COMPARISON_OPS.has(op) && lt === 'scalar' && rt === 'scalar' && !bool) {
      this.fail(node, 'comparisons between scalars must use BOOL modifier');
    }
    if (SET_OPS.has(op) && (lt === 'scalar' || rt === 'scalar')) {
      this.fail(node, `set operator "${op}" not allowed in binary scalar expression`);
    }
    if (matching !== undefined && (lt === 'scalar' || rt === 'scalar')) {
      this.fail(node, 'vector matching only allowed between instant vectors');
    }
    const expr: Expr = { type: 'binary', op, lhs, rhs, bool, matching };
    return negated ? { type: 'unary', op: '-', expr } : expr;
  }

  private unary(node: SyntaxNode): Expr {
    const parts = children(node);
    const sign = parts.find((c) => c.name === 'UnaryOp');
    const expr = this.expr(this.only(node));
    const t = typeOf(expr);
    if (t !== 'scalar' && t !== 'vector') {
      this.fail(
        node,
        `unary expression only allowed on expressions of type scalar or instant vector, got ${TYPE_NAMES[t]}`,
      );
    }
    const op = sign && this.src(sign) === '-' ? '-' : '+';
    if (expr.type === 'number')
      return { type: 'number', value: op === '-' ? -expr.value : expr.value };
    return { type: 'unary', op, expr };
  }
}

export function matcher(name: string, type: MatchType, value: string): LabelMatcher {
  if (type === '=~' || type === '!~') {
    return {
      name,
      type,
      value,
      regex: compileGoRegex(value, `the matcher ${name}${type}"${value}"`),
    };
  }
  return { name, type, value };
}

/** Whether a label value (`""` when the label is absent) satisfies the matcher. */
export function matches(m: LabelMatcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return (m.regex as RegExp).test(value);
    case '!~':
      return !(m.regex as RegExp).test(value);
  }
}

/**
 * A series selector as /series, /labels and /label/…/values take it in `match[]`: a vector
 * selector alone (parser.ParseMetricSelector).
 */
export function parseSeriesSelector(text: string): readonly LabelMatcher[] {
  const expr = parsePromQL(text);
  if (expr.type !== 'vector' || expr.offsetMs !== 0) {
    throw badData('1:1: parse error: expected a vector selector');
  }
  return expr.matchers;
}

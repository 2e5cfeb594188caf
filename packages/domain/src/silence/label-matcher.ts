import { ensure } from '../kernel/domain-error.js';

/**
 * Alertmanager's matcher operators: equal, not equal, regex match, regex non-match. A regex is
 * anchored at both ends (it must match the whole value, as in Alertmanager), and a label the
 * alert does not have matches as the empty string.
 */
export const MATCHER_OPERATORS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOperator = (typeof MATCHER_OPERATORS)[number];

export const MATCHER_NAME_MAX_LENGTH = 128;
export const MATCHER_VALUE_MAX_LENGTH = 1_024;
/** A regex matcher's pattern, at most (the bounded-regex guard, with the rules below). */
export const MATCHER_REGEX_MAX_LENGTH = 256;
export const MATCHERS_MAX = 20;
/**
 * Repetitions (`*`, `+`, `{n,}`, `{n,m}` with m − n > 10) a pattern may hold. Backtracking over k
 * of them in a row costs about n^k steps on an n-character value: 2 keeps a 1000-character value
 * to about a million steps (`.*api.*` is two); 3 is already ~100 ms at 256 characters, 4 seconds.
 */
export const MATCHER_REGEX_MAX_REPETITIONS = 2;
/**
 * Choice points a pattern may hold in all: quantifiers of any kind (`?` and `{n,m}` too) and
 * alternations. Each multiplies the ways a match can be tried (`a?a?a?…aaa` is 2^k): six keep
 * that factor small.
 */
export const MATCHER_REGEX_MAX_CHOICES = 6;

export interface LabelMatcher {
  readonly name: string;
  readonly operator: MatcherOperator;
  readonly value: string;
}

export interface LabelMatcherInput {
  readonly name: string;
  readonly operator: string;
  readonly value: string;
}

/**
 * Why a pattern is refused, or undefined when it is bounded. JavaScript regexes backtrack, so a
 * tenant's pattern could take exponential time on a label value (ReDoS). Refused, as RE2 (the
 * engine Alertmanager uses, linear-time) refuses or tames them:
 * - backreferences (`\1`, `\k<name>`) and lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`), which RE2
 *   does not have;
 * - an unbounded quantifier (`*`, `+`, `{n,}`) on a group that itself holds an unbounded
 *   quantifier or an alternation (`(a+)+`, `(a|aa)*`, `(.*x)*`): the nested-repetition shapes of
 *   catastrophic backtracking;
 * - a repeated group holding any quantifier (`(a?b)+`): its ways to split multiply per pass;
 * - more than MATCHER_REGEX_MAX_REPETITIONS repetitions in all (`a*a*a*` is polynomial, n³), more
 *   than MATCHER_REGEX_MAX_CHOICES quantifiers and alternations in all (`a?a?a?…` is 2^k);
 * - patterns longer than MATCHER_REGEX_MAX_LENGTH.
 * What is left backtracks at most quadratically in the label value's length.
 */
export function unboundedRegexReason(pattern: string): string | undefined {
  if (pattern.length > MATCHER_REGEX_MAX_LENGTH) {
    return `longer than ${MATCHER_REGEX_MAX_LENGTH} characters`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not supported';
  if (/\(\?<?[=!]/.test(pattern)) return 'lookaround is not supported';
  /** Per open group: whether it holds an unbounded quantifier or an alternation. */
  const stack: boolean[] = [];
  let risky = false;
  let inClass = false;
  let repetitions = 0;
  let choices = 0;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      stack.push(risky);
      risky = false;
    } else if (c === '|') {
      risky = true;
      choices += 1;
    } else if (c === ')') {
      const inner: boolean = risky;
      const unbounded = quantifierAt(pattern, i + 1);
      if (unbounded && inner) {
        return 'a quantified group holds a quantifier or an alternation (nested quantifiers)';
      }
      risky = (stack.pop() ?? false) || inner || unbounded;
    }
    if (quantifierAt(pattern, i)) {
      risky = true;
      choices += 1;
    }
    if (choices > MATCHER_REGEX_MAX_CHOICES) {
      return `more than ${MATCHER_REGEX_MAX_CHOICES} quantifiers and alternations`;
    }
    if (repetitionAt(pattern, i)) {
      repetitions += 1;
      if (repetitions > MATCHER_REGEX_MAX_REPETITIONS) {
        return `more than ${MATCHER_REGEX_MAX_REPETITIONS} repetitions (*, +, {n,})`;
      }
    }
  }
  return undefined;
}

/** Whether any quantifier starts at `index` (a lazy `?` after another is part of it). */
function quantifierAt(pattern: string, index: number): boolean {
  const c = pattern[index];
  if (c === '*' || c === '+') return true;
  if (c === '?') return !'*+?}'.includes(pattern[index - 1] ?? '') && pattern[index - 1] !== '(';
  return c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(index));
}

/** Whether a repetition starts at `index`: `*`, `+`, `{n,}`, or `{n,m}` with m − n > 10. */
function repetitionAt(pattern: string, index: number): boolean {
  const c = pattern[index];
  if (c === '*' || c === '+') return true;
  if (c !== '{') return false;
  const range = /^\{(\d+),(\d*)\}/.exec(pattern.slice(index));
  if (!range) return false;
  return range[2] === '' || Number(range[2]) - Number(range[1]) > 10;
}

/** The anchored regex of a `=~`/`!~` matcher (full match, as Alertmanager's). */
export function anchoredRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/**
 * The prefix of the refusal codes (`<prefix>.invalid_matcher`, `.unbounded_regex`,
 * `.invalid_regex`, `.matches_everything`): each aggregate that holds matchers (a silence, a
 * feedback route) refuses them in its own words, with the same semantics.
 */
export type MatcherCodePrefix = 'silence' | 'feedback_route';

export function labelMatcher(
  input: LabelMatcherInput,
  field = 'matchers',
  prefix: MatcherCodePrefix = 'silence',
): LabelMatcher {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  ensure(
    name.length >= 1 && name.length <= MATCHER_NAME_MAX_LENGTH,
    `${prefix}.invalid_matcher`,
    `${field}: a matcher's name is 1-${MATCHER_NAME_MAX_LENGTH} characters`,
    { field },
  );
  ensure(
    (MATCHER_OPERATORS as readonly string[]).includes(input.operator),
    `${prefix}.invalid_matcher`,
    `${field}: operator must be one of ${MATCHER_OPERATORS.join(' ')}`,
    { field },
  );
  const operator = input.operator as MatcherOperator;
  const value = typeof input.value === 'string' ? input.value : '';
  ensure(
    value.length <= MATCHER_VALUE_MAX_LENGTH,
    `${prefix}.invalid_matcher`,
    `${field}: a matcher's value is at most ${MATCHER_VALUE_MAX_LENGTH} characters`,
    { field },
  );
  if (operator === '=~' || operator === '!~') {
    const reason = unboundedRegexReason(value);
    ensure(
      reason === undefined,
      `${prefix}.unbounded_regex`,
      `${field}: regex refused: ${reason}`,
      {
        field,
        pattern: value.slice(0, 100),
      },
    );
    let compiles = true;
    try {
      anchoredRegex(value);
    } catch {
      compiles = false;
    }
    ensure(
      compiles,
      `${prefix}.invalid_regex`,
      `${field}: ${value.slice(0, 100)} is not a valid regex`,
      {
        field,
      },
    );
  }
  return { name, operator, value };
}

/** Compiled once per matcher list: what matching a label set needs. */
export type CompiledMatcher = (labels: Readonly<Record<string, string>>) => boolean;

export function compileMatcher(matcher: LabelMatcher): CompiledMatcher {
  const { name, operator, value } = matcher;
  switch (operator) {
    case '=':
      return (labels) => (labels[name] ?? '') === value;
    case '!=':
      return (labels) => (labels[name] ?? '') !== value;
    case '=~': {
      const regex = anchoredRegex(value);
      return (labels) => regex.test(labels[name] ?? '');
    }
    case '!~': {
      const regex = anchoredRegex(value);
      return (labels) => !regex.test(labels[name] ?? '');
    }
    default: {
      const unreachable: never = operator;
      throw new Error(`unknown operator ${String(unreachable)}`);
    }
  }
}

/** Whether every matcher matches the labels (an empty list matches everything). */
export function matchesAll(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => compileMatcher(m)(labels));
}

/**
 * A list of 1 to MATCHERS_MAX matchers. `requireSelective`: at least one of them must not match
 * the empty label set (Alertmanager refuses a silence that would match every alert, e.g. only
 * `severity=~".*"`).
 */
export function labelMatchers(
  inputs: readonly LabelMatcherInput[],
  field: string,
  requireSelective: boolean,
  prefix: MatcherCodePrefix = 'silence',
): readonly LabelMatcher[] {
  const list: unknown = inputs;
  ensure(
    Array.isArray(list) &&
      inputs.length >= (requireSelective ? 1 : 0) &&
      inputs.length <= MATCHERS_MAX,
    `${prefix}.invalid_matcher`,
    `${field}: ${requireSelective ? 1 : 0} to ${MATCHERS_MAX} matchers`,
    { field },
  );
  const matchers = inputs.map((m) => labelMatcher(m, field, prefix));
  if (requireSelective) {
    ensure(
      matchers.some((m) => !compileMatcher(m)({})),
      `${prefix}.matches_everything`,
      `${field}: at least one matcher must not match an empty label (else every alert matches)`,
      { field },
    );
  }
  return matchers;
}

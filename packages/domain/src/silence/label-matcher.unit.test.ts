import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  compileMatcher,
  labelMatcher,
  labelMatchers,
  matchesAll,
  unboundedRegexReason,
  type LabelMatcherInput,
} from './label-matcher.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
};
const matches = (input: LabelMatcherInput, labels: Record<string, string>) =>
  compileMatcher(labelMatcher(input))(labels);

const labels = { alertname: 'checkout p95', severity: 'critical', service: 'payments-api' };

describe('label matchers (Alertmanager semantics)', () => {
  it('= and != compare the whole value; a missing label is the empty string', () => {
    expect(matches({ name: 'severity', operator: '=', value: 'critical' }, labels)).toBe(true);
    expect(matches({ name: 'severity', operator: '=', value: 'crit' }, labels)).toBe(false);
    expect(matches({ name: 'severity', operator: '!=', value: 'warning' }, labels)).toBe(true);
    expect(matches({ name: 'region', operator: '=', value: '' }, labels)).toBe(true);
    expect(matches({ name: 'region', operator: '!=', value: '' }, labels)).toBe(false);
  });

  it('=~ and !~ are anchored: the regex must match the whole value', () => {
    expect(matches({ name: 'service', operator: '=~', value: 'payments-.*' }, labels)).toBe(true);
    expect(matches({ name: 'service', operator: '=~', value: 'payments' }, labels)).toBe(false);
    expect(matches({ name: 'service', operator: '=~', value: 'api' }, labels)).toBe(false);
    expect(matches({ name: 'service', operator: '=~', value: '.*api' }, labels)).toBe(true);
    // An alternation is anchored as a whole, not only its first branch.
    expect(matches({ name: 'service', operator: '=~', value: 'x|payments-api' }, labels)).toBe(
      true,
    );
    expect(matches({ name: 'service', operator: '=~', value: 'payments|x' }, labels)).toBe(false);
    expect(matches({ name: 'service', operator: '!~', value: 'payments-.*' }, labels)).toBe(false);
    expect(matches({ name: 'region', operator: '=~', value: '.*' }, labels)).toBe(true);
  });

  it('all matchers must match', () => {
    const list = labelMatchers(
      [
        { name: 'severity', operator: '=', value: 'critical' },
        { name: 'service', operator: '=~', value: 'payments-.*' },
      ],
      'matchers',
      true,
    );
    expect(matchesAll(list, labels)).toBe(true);
    expect(matchesAll(list, { ...labels, severity: 'warning' })).toBe(false);
  });

  it('refuses a silence whose matchers all match the empty label set (it would mute everything)', () => {
    expect(
      codeOf(() => labelMatchers([{ name: 'severity', operator: '=~', value: '.*' }], 'm', true)),
    ).toBe('silence.matches_everything');
    expect(codeOf(() => labelMatchers([], 'm', true))).toBe('silence.invalid_matcher');
    expect(codeOf(() => labelMatchers([], 'm', false))).toBe(undefined);
  });

  it.each([
    '(a+)+',
    '(a*)*b',
    '(.*x)*',
    '(a|aa)*',
    '((ab)*c)+',
    '(x+x+)+y',
    '(a{1,})+',
    '(\\d+)*$',
    'a*a*a*',
    '.*a.*b.*',
    'a{1,100}b{0,50}c+',
  ])('refuses the catastrophic (or polynomial beyond n²) pattern %s', (value) => {
    expect(codeOf(() => labelMatcher({ name: 'service', operator: '=~', value }))).toBe(
      'silence.unbounded_regex',
    );
  });

  it('refuses backreferences, lookaround, overlong patterns; an invalid regex is its own code', () => {
    for (const value of [
      '(a)\\1',
      '(?<x>a)\\k<x>',
      'a(?=b)',
      '(?!x).*',
      '(?<=a)b',
      'x'.repeat(257),
    ]) {
      expect(
        codeOf(() => labelMatcher({ name: 's', operator: '!~', value })),
        value,
      ).toBe('silence.unbounded_regex');
    }
    expect(codeOf(() => labelMatcher({ name: 's', operator: '=~', value: '(unclosed' }))).toBe(
      'silence.invalid_regex',
    );
    expect(codeOf(() => labelMatcher({ name: 's', operator: '~', value: 'x' }))).toBe(
      'silence.invalid_matcher',
    );
    expect(codeOf(() => labelMatcher({ name: ' ', operator: '=', value: 'x' }))).toBe(
      'silence.invalid_matcher',
    );
  });

  it.each([
    'payments-.*',
    '(api|web)-[0-9]+',
    'a{2,5}',
    '[(+*)]+',
    '(ab)+c',
    'x(a|b)y',
    '\\(a+\\)+',
  ])('accepts the bounded pattern %s', (value) => {
    expect(unboundedRegexReason(value)).toBeUndefined();
  });

  it('property: an accepted pattern matches any 256-character value quickly', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '\\d', 'x');
    const piece = fc
      .tuple(atom, fc.constantFrom('', '*', '+', '?', '{1,3}'))
      .map(([a, q]) => a + q);
    const group = fc
      .tuple(fc.array(piece, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '*', '+', '?'))
      .map(([parts, q]) => `(${parts.join('')})${q}`);
    const pattern = fc
      .array(fc.oneof(piece, group), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(pattern, (value) => {
        if (unboundedRegexReason(value) !== undefined) return;
        const match = compileMatcher({ name: 's', operator: '=~', value });
        const started = performance.now();
        match({ s: `${'a'.repeat(255)}!` });
        // Generous: a catastrophic pattern takes seconds to minutes here.
        expect(performance.now() - started).toBeLessThan(250);
      }),
      { numRuns: 300 },
    );
  });
});

import { ALERT_ACTION_TYPES, AlertRule, DomainError } from '@obs/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRuleSchema, RULE_DOMAIN_CODES } from './alert-rule.schemas.js';

/*
 * docs/design.md#openapi: a schema-valid request is never refused with 400, and what only the
 * domain can judge is a documented 422. So every body the request schema admits either makes a rule
 * or is refused with one of RULE_DOMAIN_CODES. Strings are drawn around the limits and from
 * characters that trim() treats differently from other regex engines' `\s`.
 */

const CHARS = [' ', '\t', '\n', '\u00a0', '\u1680', '\u2028', '\u3000', '\ufeff', '\u180e', '\x1c'];
/** Mostly a plain value, so bodies get past the schema; otherwise an edge case of the field. */
const mostly = <T>(plain: fc.Arbitrary<T>, edge: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: plain }, { weight: 1, arbitrary: edge });
const text = mostly(
  fc.string({ unit: fc.constantFrom('a', 'b', '.', '-'), minLength: 1, maxLength: 6 }),
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...CHARS, 'a', 'é'), maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc
      .tuple(
        fc.constantFrom(0, 1, 127, 128, 129, 199, 200, 201, 255, 256, 257, 2047, 2048, 2049),
        fc.constantFrom('', ' ', '\ufeff'),
      )
      .map(([length, pad]) => `${pad}${'x'.repeat(length)}${pad}`),
  ),
);
const list = <T>(item: fc.Arbitrary<T>) =>
  mostly(fc.array(item, { maxLength: 3 }), fc.array(item, { minLength: 15, maxLength: 22 }));

const body = fc.record({
  name: text,
  scope: fc.record({ projectId: text, moduleId: fc.option(text) }),
  condition: fc.record({
    metric: text,
    aggregation: fc.constant('p95'),
    groupBy: list(text),
    operator: fc.constant('gt'),
    threshold: fc.oneof(fc.integer(), fc.double({ noNaN: true })),
    forMinutes: mostly(fc.nat(60), fc.oneof(fc.integer({ min: -2, max: 0 }), fc.double())),
  }),
  severity: fc.constant('high'),
  actions: list(fc.record({ type: fc.constantFrom(...ALERT_ACTION_TYPES), target: text })),
});

describe('the alert rule request schema', () => {
  it('property: whatever it admits, the domain accepts or refuses with a documented 422 code', () => {
    let admitted = 0;
    fc.assert(
      fc.property(body, (candidate) => {
        const parsed = createRuleSchema.safeParse(candidate);
        if (!parsed.success) return;
        admitted += 1;
        const context = {
          knownMetrics: new Set([parsed.data.condition.metric.trim()]),
          nameTaken: false,
        };
        try {
          AlertRule.create(
            { alertRuleId: crypto.randomUUID(), tenantId: 'acme', ...parsed.data },
            context,
          );
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          expect(RULE_DOMAIN_CODES).toContain((error as DomainError).code);
        }
      }),
      { numRuns: 2_000 },
    );
    // Not vacuous: a fair share of the bodies got past the schema to the domain.
    expect(admitted).toBeGreaterThan(200);
  });
});

import { describe, expect, it } from 'vitest';
import type { DomainError } from '../kernel/domain-error.js';
import {
  FeedbackRoute,
  firstMatchingRoute,
  type FeedbackRouteInput,
  type FeedbackRouteLabels,
} from './feedback-route.aggregate.js';

const AT = '2025-01-01T10:00:00.000Z';
const labels: FeedbackRouteLabels = {
  source: 'incident',
  category: 'reliability',
  sentiment: 'negative',
  project: 'checkout',
  module: '',
  artifact: 'payments-api',
};

function rule(id: string, input: Partial<FeedbackRouteInput>): FeedbackRoute {
  return FeedbackRoute.create({
    feedbackRouteId: id,
    tenantId: 'acme',
    at: AT,
    name: id,
    position: 0,
    matchers: [],
    to: `to-${id}`,
    ...input,
  });
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('firstMatchingRoute', () => {
  it('tries rules by position whatever their list order; the first match wins', () => {
    const broad = rule('broad', { position: 20 });
    const narrow = rule('narrow', {
      position: 10,
      receiverId: 'rcv-1',
      matchers: [{ name: 'category', operator: '=~', value: 'reliability|performance' }],
    });
    expect(firstMatchingRoute([broad, narrow], labels)).toEqual({
      feedbackRouteId: 'narrow',
      to: 'to-narrow',
      receiverId: 'rcv-1',
    });
    expect(firstMatchingRoute([broad, narrow], { ...labels, category: 'cost' })?.to).toBe(
      'to-broad',
    );
  });

  it('answers null when no rule matches; a missing label matches as the empty string', () => {
    const onModule = rule('m', { matchers: [{ name: 'module', operator: '=', value: 'pay' }] });
    expect(firstMatchingRoute([onModule], labels)).toBeNull();
    const noModule = rule('n', { matchers: [{ name: 'module', operator: '=', value: '' }] });
    expect(firstMatchingRoute([noModule], labels)?.to).toBe('to-n');
    expect(firstMatchingRoute([], labels)).toBeNull();
  });

  it('a redefined rule routes by its new matchers and target', () => {
    const r = rule('r', { matchers: [{ name: 'project', operator: '=', value: 'checkout' }] });
    r.redefine({ name: 'r', position: 1, matchers: [], to: 'team-new' }, AT);
    expect(firstMatchingRoute([r], { ...labels, project: 'search' })?.to).toBe('team-new');
  });

  it('refuses a bad rule in its own words', () => {
    expect(codeOf(() => rule('x', { to: ' ' }))).toBe('feedback_route.target_required');
    expect(codeOf(() => rule('x', { position: -1 }))).toBe('feedback_route.invalid_position');
    expect(
      codeOf(() => rule('x', { matchers: [{ name: 'source', operator: '=~', value: '(a+)+' }] })),
    ).toBe('feedback_route.unbounded_regex');
    expect(
      codeOf(() => rule('x', { matchers: [{ name: 'source', operator: '=~', value: '(' }] })),
    ).toBe('feedback_route.invalid_regex');
  });
});

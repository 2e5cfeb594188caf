import { describe, expect, it } from 'vitest';
import { pathPattern } from './method-not-allowed.js';

describe('pathPattern', () => {
  it('matches concrete paths of a route with parameters', () => {
    const pattern = pathPattern('/v1/incidents/:id/acknowledge');
    expect(pattern.test('/v1/incidents/3f1c/acknowledge')).toBe(true);
    expect(pattern.test('/v1/incidents/3f1c/acknowledge/')).toBe(true);
    expect(pattern.test('/v1/incidents/3f1c/resolve')).toBe(false);
  });

  it("reads Fastify's escaped colon as the literal colon of a verb route", () => {
    const pattern = pathPattern('/v1/feedback::export');
    expect(pattern.test('/v1/feedback:export')).toBe(true);
    expect(pattern.test('/v1/feedback::export')).toBe(false);
    expect(pattern.test('/v1/feedbackXexport')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { requestHash } from './idempotency-keys.js';

describe('requestHash', () => {
  it('is the same for the same meaning, whatever the key order or absent fields', () => {
    expect(requestHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      requestHash({ b: { d: 'x', c: [1, 2] }, a: 1, e: undefined }),
    );
  });

  it('differs when any value, array order or null-ness differs', () => {
    const base = requestHash({ a: 1, b: [1, 2], c: null });
    expect(requestHash({ a: 2, b: [1, 2], c: null })).not.toBe(base);
    expect(requestHash({ a: 1, b: [2, 1], c: null })).not.toBe(base);
    expect(requestHash({ a: 1, b: [1, 2] })).not.toBe(base);
  });
});

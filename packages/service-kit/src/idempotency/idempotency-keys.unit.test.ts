import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../http/canonical-json.js';
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

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, and indents when asked', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,1]},"b":1}',
    );
    expect(canonicalJson({ b: 1, a: 2 }, 2)).toBe('{\n  "a": 2,\n  "b": 1\n}');
  });
});

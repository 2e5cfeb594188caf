import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from './verified-token-cache.js';

describe('VerifiedTokenCache', () => {
  it('serves an entry until the token expires, never past it', () => {
    const cache = new VerifiedTokenCache<string>(10, 60_000);
    cache.set('t', 'auth', 1_000 + 5_000, 1_000);
    expect(cache.get('t', 5_999)).toBe('auth');
    expect(cache.get('t', 6_000)).toBeUndefined();
  });

  it('never serves an entry longer than maxAgeMs, even for a long-lived token', () => {
    const cache = new VerifiedTokenCache<string>(10, 60_000);
    cache.set('t', 'auth', undefined, 0);
    expect(cache.get('t', 59_999)).toBe('auth');
    expect(cache.get('t', 60_000)).toBeUndefined();
  });

  it('does not store an already expired token', () => {
    const cache = new VerifiedTokenCache<string>(10, 60_000);
    cache.set('t', 'auth', 500, 1_000);
    expect(cache.get('t', 1_000)).toBeUndefined();
  });

  it('evicts the oldest entry at capacity', () => {
    const cache = new VerifiedTokenCache<string>(2, 60_000);
    cache.set('a', 'A', undefined, 0);
    cache.set('b', 'B', undefined, 0);
    cache.set('c', 'C', undefined, 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe('B');
    expect(cache.get('c', 1)).toBe('C');
  });
});

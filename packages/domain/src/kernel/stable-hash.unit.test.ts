import { describe, expect, it } from 'vitest';
import { fnv1a128, stableId } from './stable-hash.js';

describe('stable hash', () => {
  it('matches the published FNV-1a 128-bit test vectors', () => {
    expect(fnv1a128('')).toBe('6c62272e07bb014262b821756295c58d');
    expect(fnv1a128('a')).toBe('d228cb696f1a8caf78912b704e4a8964');
  });

  it('derives the same id from the same parts and keeps part boundaries apart', () => {
    expect(stableId('x', ['t', 'p'])).toBe(stableId('x', ['t', 'p']));
    expect(stableId('x', ['ab', 'c'])).not.toBe(stableId('x', ['a', 'bc']));
    expect(stableId('qs', ['t'])).toMatch(/^qs_[0-9a-f]{32}$/);
  });
});

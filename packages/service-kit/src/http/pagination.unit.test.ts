import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../problem.js';
import { keysetCursor, keysetCursorOf } from './pagination.js';

const ID = '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f';

describe('keysetCursorOf', () => {
  it('round-trips a position, and refuses what it did not issue with 400 invalid_cursor', () => {
    expect(keysetCursor.decode(keysetCursor.encode(1_700_000_000_123, ID.toUpperCase()))).toEqual({
      sortKey: 1_700_000_000_123,
      id: ID,
    });
    for (const forged of ['nope', `-5.${ID}`, `1.${ID}x`, `1234567890123456.${ID}`]) {
      expect(() => keysetCursor.decode(forged)).toThrow(HttpProblem);
      expect(keysetCursor.schema.safeParse(forged).success).toBe(false);
    }
  });

  it('takes another id shape, and a negative sort key only when signed', () => {
    const hex = keysetCursorOf('[0-9a-f]{32}');
    const signed = keysetCursorOf('[0-9a-f]{32}', { signed: true });
    const id = 'ab'.repeat(16);
    expect(() => hex.decode(`-5.${id}`)).toThrow(HttpProblem);
    expect(signed.decode(`-5.${id}`)).toEqual({ sortKey: -5, id });
    expect(() => signed.decode(`5.${ID}`)).toThrow(HttpProblem);
  });
});

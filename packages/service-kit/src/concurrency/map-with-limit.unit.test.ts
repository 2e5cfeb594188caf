import { describe, expect, it } from 'vitest';
import { mapWithLimit } from './map-with-limit.js';

describe('mapWithLimit', () => {
  it('keeps the order of the items and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const done = mapWithLimit([1, 2, 3, 4, 5], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running -= 1;
      return n * 10;
    });
    // Release the calls one by one, in reverse order of arrival, until all have run.
    while (gates.length > 0 || running > 0) {
      await Promise.resolve();
      gates.pop()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });

  it('answers [] for no items', async () => {
    expect(await mapWithLimit([], 8, () => Promise.resolve(1))).toEqual([]);
  });
});

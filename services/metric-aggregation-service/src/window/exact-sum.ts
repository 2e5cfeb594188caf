/**
 * An exact running sum of doubles: Shewchuk's non-overlapping partials, as Python's `math.fsum`.
 * The partials represent the exact real sum, and `partialsSum` rounds it correctly, so the
 * result is the same double whatever order the values were added or merged in. A plain `+=`
 * would make a window's sum depend on arrival order (floating-point addition is not associative).
 */
export function addToPartials(partials: number[], value: number): void {
  let x = value;
  let i = 0;
  for (let j = 0; j < partials.length; j += 1) {
    let y = partials[j] as number;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) {
      partials[i] = lo;
      i += 1;
    }
    x = hi;
  }
  partials.length = i;
  partials.push(x);
}

/** Adds every partial of `from` into `into` (exact, so merging commutes). */
export function mergePartials(into: number[], from: readonly number[]): void {
  for (const p of from) addToPartials(into, p);
}

/** The exact sum rounded to the nearest double (ties to even), as CPython's fsum finishes. */
export function partialsSum(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  n -= 1;
  let hi = partials[n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    n -= 1;
    const y = partials[n] as number;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (n > 0) {
    const below = partials[n - 1] as number;
    if ((lo < 0 && below < 0) || (lo > 0 && below > 0)) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  return hi === 0 ? 0 : hi;
}

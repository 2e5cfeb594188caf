import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partialsSum, addToPartials } from './exact-sum.js';
import {
  emptyWindowState,
  loadWindowState,
  mergeWindowState,
  observe,
  observeDistribution,
  storeWindowState,
  topExemplars,
  valuesOf,
  type StoredWindowState,
  type WindowState,
} from './window-state.js';

const TRACE_A = 'a'.repeat(32);
const TRACE_B = 'b'.repeat(32);
const TRACE_C = 'c'.repeat(32);

interface Input {
  readonly value: number;
  readonly traceId: string | null;
}

function stateOf(inputs: readonly Input[], exemplars = 3): WindowState {
  const state = emptyWindowState();
  for (const input of inputs) observe(state, input.value, input.traceId, exemplars);
  return state;
}

const valueArb = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: 0, max: 1000 }),
  fc.constant(0),
);
const inputArb = fc.record({
  value: valueArb,
  traceId: fc.option(fc.constantFrom(TRACE_A, TRACE_B, TRACE_C), { nil: null }),
});

describe('exact sum', () => {
  it('rounds the exact sum correctly where += drifts', () => {
    const partials: number[] = [];
    for (const v of [0.1, 0.2, 0.3, 1e16, 1, -1e16]) addToPartials(partials, v);
    expect(partialsSum(partials)).toBe(1.6);
    expect(0.1 + 0.2 + 0.3 + 1e16 + 1 - 1e16).not.toBe(1.6);
    expect(partialsSum([])).toBe(0);
  });

  it('is the same double in any order (property)', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 60 }), fc.nat(), (values, seed) => {
        const shuffled = shuffle(values, seed);
        const a: number[] = [];
        const b: number[] = [];
        for (const v of values) addToPartials(a, v);
        for (const v of shuffled) addToPartials(b, v);
        expect(Object.is(partialsSum(a), partialsSum(b))).toBe(true);
      }),
    );
  });
});

/** A deterministic Fisher-Yates shuffle from a seed. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i -= 1) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('window state', () => {
  it('aggregates count, exact sum, min, max and percentiles within 1 %', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const v = valuesOf(stateOf(values.map((value) => ({ value, traceId: null }))));
    expect(v).toMatchObject({ count: 1000, sum: 500500, avg: 500.5, min: 1, max: 1000 });
    expect(Math.abs(v.p50 - 500) / 500).toBeLessThanOrEqual(0.01);
    expect(Math.abs(v.p95 - 950) / 950).toBeLessThanOrEqual(0.01);
    expect(Math.abs(v.p99 - 990) / 990).toBeLessThanOrEqual(0.01);
  });

  it('answers the single value exactly, handles negatives and zeros, and is zeros when empty', () => {
    expect(valuesOf(stateOf([{ value: 42.5, traceId: null }]))).toMatchObject({
      p50: 42.5,
      p99: 42.5,
      min: 42.5,
      max: 42.5,
    });
    const mixed = valuesOf(
      stateOf([-10, -5, 0, 0, 5, 10].map((value) => ({ value, traceId: null }))),
    );
    expect(mixed).toMatchObject({ count: 6, sum: 0, min: -10, max: 10 });
    expect(mixed.p50).toBe(0);
    expect(
      Math.abs(valuesOf(stateOf([-10, -5].map((value) => ({ value, traceId: null })))).p50 + 10),
    ).toBeLessThanOrEqual(0.1);
    expect(valuesOf(emptyWindowState())).toEqual({
      count: 0,
      sum: 0,
      avg: 0,
      p50: 0,
      p95: 0,
      p99: 0,
      min: 0,
      max: 0,
    });
  });

  it('keeps the largest exemplar per trace, largest first, ties by trace id', () => {
    expect(
      topExemplars(
        [
          { traceId: TRACE_B, value: 5 },
          { traceId: TRACE_A, value: 5 },
          { traceId: TRACE_B, value: 7 },
          { traceId: TRACE_C, value: 1 },
        ],
        2,
      ),
    ).toEqual([
      { traceId: TRACE_B, value: 7 },
      { traceId: TRACE_A, value: 5 },
    ]);
  });

  it('adds distributions with their count and sum, bucket weights into the sketch', () => {
    const state = emptyWindowState();
    observeDistribution(
      state,
      {
        count: 10,
        sum: 123,
        buckets: [
          [5, 6],
          [50, 4],
        ],
        exemplars: [{ traceId: TRACE_A, value: 60 }],
      },
      3,
    );
    observeDistribution(state, { count: 0, sum: 0, buckets: [] }, 3);
    const v = valuesOf(state);
    expect(v).toMatchObject({ count: 10, sum: 123, min: 5, max: 50 });
    expect(Math.abs(v.p50 - 5) / 5).toBeLessThanOrEqual(0.01);
    expect(Math.abs(v.p95 - 50) / 50).toBeLessThanOrEqual(0.01);
    expect(state.exemplars).toEqual([{ traceId: TRACE_A, value: 60 }]);
    const exact = emptyWindowState();
    observeDistribution(exact, { count: 2, sum: 3, min: 1, max: 2, buckets: [[1.5, 2]] }, 0);
    expect(valuesOf(exact)).toMatchObject({ min: 1, max: 2 });
    expect(Math.abs(valuesOf(exact).p50 - 1.5) / 1.5).toBeLessThanOrEqual(0.01);
  });

  it('round-trips through its stored JSON', () => {
    const state = stateOf([
      { value: -3, traceId: TRACE_A },
      { value: 0, traceId: null },
      { value: 7.25, traceId: TRACE_B },
    ]);
    const stored = JSON.parse(JSON.stringify(storeWindowState(state))) as StoredWindowState;
    expect(valuesOf(loadWindowState(state.count, stored))).toEqual(valuesOf(state));
    expect(loadWindowState(state.count, stored).exemplars).toEqual(state.exemplars);
    const empty = JSON.parse(
      JSON.stringify(storeWindowState(emptyWindowState())),
    ) as StoredWindowState;
    expect(valuesOf(loadWindowState(0, empty)).count).toBe(0);
  });

  it('gives identical results whatever the arrival order (property: shuffled input)', () => {
    fc.assert(
      fc.property(
        fc.array(inputArb, { minLength: 1, maxLength: 200 }),
        fc.nat(),
        (inputs, seed) => {
          const inOrder = stateOf(inputs);
          const shuffled = stateOf(shuffle(inputs, seed));
          expect(valuesOf(shuffled)).toStrictEqual(valuesOf(inOrder));
          expect(shuffled.exemplars).toStrictEqual(inOrder.exemplars);
          // The partials may differ in layout; the exact sum they stand for may not.
          const canonical = (state: WindowState) => ({
            ...storeWindowState(state),
            s: partialsSum(state.partials),
          });
          expect(canonical(shuffled)).toStrictEqual(canonical(inOrder));
        },
      ),
    );
  });

  it('merging the states of any split, in any order, equals one state of all (property)', () => {
    fc.assert(
      fc.property(
        fc.array(inputArb, { minLength: 1, maxLength: 200 }),
        fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 200 }),
        fc.nat(),
        (inputs, parts, seed) => {
          const buckets: Input[][] = [[], [], [], [], []];
          inputs.forEach((input, i) => buckets[(parts[i % parts.length] ?? 0) % 5]?.push(input));
          const merged = emptyWindowState();
          for (const bucket of shuffle(buckets, seed)) mergeWindowState(merged, stateOf(bucket), 3);
          expect(valuesOf(merged)).toStrictEqual(valuesOf(stateOf(inputs)));
          expect(merged.exemplars).toStrictEqual(stateOf(inputs).exemplars);
        },
      ),
    );
  });
});

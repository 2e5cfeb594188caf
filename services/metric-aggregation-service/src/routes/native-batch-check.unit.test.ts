import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidNativeBatch } from './native-batch-check.js';
import { nativeBatchBody } from './metric.schemas.js';

const DIMENSIONS = {
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-1',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.0.0',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
};
const POINT = {
  metricName: 'http.server.duration',
  value: 125.4,
  timestamp: '2024-05-01T10:00:12.345Z',
  dimensions: DIMENSIONS,
  unit: 'ms',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  attributes: { 'http.route': '/checkout', 'http.response.status_code': 200, cached: false },
};

const READING = { timestamp: POINT.timestamp, value: POINT.value, traceId: POINT.traceId };
const SERIES = {
  metricName: POINT.metricName,
  unit: POINT.unit,
  dimensions: DIMENSIONS,
  attributes: POINT.attributes,
  points: [READING, { timestamp: '2024-05-01T10:00:13Z', value: 3 }],
};

/** Values that sit on or across one of the schema's rules. */
const TRICKY: unknown[] = [
  undefined,
  null,
  '',
  'x',
  ' ',
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(128),
  'a'.repeat(129),
  'a'.repeat(256),
  'a'.repeat(257),
  'é',
  '9bad.name',
  'ok.name/with-dash_1',
  '2024-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '2024-05-01T10:00:12+02:00',
  '2024-05-01T24:00:00Z',
  '2024-05-01T10:00:12.1234567890Z',
  '2024-05-01 10:00:12Z',
  '0'.repeat(32),
  'ABCDEF'.padEnd(32, '0'),
  'abcdef'.padEnd(32, '1'),
  'abcdef'.padEnd(31, '1'),
  'factory',
  'agent',
  'Factory',
  '\u0000',
  '\x7f',
  0,
  -0,
  1,
  -1e300,
  1e300,
  -1.0000001e300,
  1.0000001e300,
  Number.MAX_VALUE,
  0.5,
  true,
  false,
  [],
  ['x'],
  {},
  { a: 1 },
  { '': 'x' },
  { ['k'.repeat(129)]: 'x' },
  { a: 'v'.repeat(129) },
  { a: null },
  { a: [] },
  { a: {} },
  Object.fromEntries([...Array(8).keys()].map((i) => [`k${i}`, i])),
  Object.fromEntries([...Array(9).keys()].map((i) => [`k${i}`, i])),
];

const FIELDS = Object.keys(POINT);
const DIMENSION_FIELDS = [...Object.keys(DIMENSIONS), 'tenantId', 'extra'];

type Mutation =
  | { readonly at: 'point'; readonly key: string; readonly value: number }
  | { readonly at: 'dimensions'; readonly key: string; readonly value: number }
  | { readonly at: 'delete'; readonly key: string }
  | { readonly at: 'extra'; readonly value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    at: fc.constant('point' as const),
    key: fc.constantFrom(...FIELDS),
    value: fc.nat(TRICKY.length - 1),
  }),
  fc.record({
    at: fc.constant('dimensions' as const),
    key: fc.constantFrom(...DIMENSION_FIELDS),
    value: fc.nat(TRICKY.length - 1),
  }),
  fc.record({ at: fc.constant('delete' as const), key: fc.constantFrom(...FIELDS) }),
  fc.record({ at: fc.constant('extra' as const), value: fc.nat(TRICKY.length - 1) }),
);

function mutate(mutations: readonly Mutation[]): Record<string, unknown> {
  // A JSON round trip, as the body arrives: undefined values vanish, as they would on the wire.
  const point = structuredClone(POINT) as Record<string, unknown>;
  const dimensions = point.dimensions as Record<string, unknown>;
  for (const m of mutations) {
    if (m.at === 'point') point[m.key] = TRICKY[m.value];
    else if (m.at === 'dimensions') dimensions[m.key] = TRICKY[m.value];
    else if (m.at === 'delete') delete point[m.key];
    else point.extra = TRICKY[m.value];
  }
  return JSON.parse(JSON.stringify(point)) as Record<string, unknown>;
}

const SERIES_FIELDS = Object.keys(SERIES);
const READING_FIELDS = [...Object.keys(READING), 'extra'];

type SeriesMutation =
  | { readonly at: 'series'; readonly key: string; readonly value: number }
  | { readonly at: 'reading'; readonly key: string; readonly value: number }
  | { readonly at: 'dimensions'; readonly key: string; readonly value: number }
  | { readonly at: 'delete'; readonly key: string };

const seriesMutation: fc.Arbitrary<SeriesMutation> = fc.oneof(
  fc.record({
    at: fc.constant('series' as const),
    key: fc.constantFrom(...SERIES_FIELDS, 'extra'),
    value: fc.nat(TRICKY.length - 1),
  }),
  fc.record({
    at: fc.constant('reading' as const),
    key: fc.constantFrom(...READING_FIELDS),
    value: fc.nat(TRICKY.length - 1),
  }),
  fc.record({
    at: fc.constant('dimensions' as const),
    key: fc.constantFrom(...DIMENSION_FIELDS),
    value: fc.nat(TRICKY.length - 1),
  }),
  fc.record({ at: fc.constant('delete' as const), key: fc.constantFrom(...SERIES_FIELDS) }),
);

function mutateSeries(mutations: readonly SeriesMutation[]): Record<string, unknown> {
  const series = structuredClone(SERIES) as Record<string, unknown>;
  const dimensions = series.dimensions as Record<string, unknown>;
  const reading = (series.points as Record<string, unknown>[])[1] as Record<string, unknown>;
  for (const m of mutations) {
    if (m.at === 'series') series[m.key] = TRICKY[m.value];
    else if (m.at === 'reading') reading[m.key] = TRICKY[m.value];
    else if (m.at === 'dimensions') dimensions[m.key] = TRICKY[m.value];
    else delete series[m.key];
  }
  return JSON.parse(JSON.stringify(series)) as Record<string, unknown>;
}

describe('the native batch fast check', () => {
  it('accepts the batches real senders send (or it would save nothing)', () => {
    expect(isValidNativeBatch({ points: [POINT] })).toBe(true);
    const minimal = {
      metricName: 'm',
      value: 0,
      timestamp: POINT.timestamp,
      dimensions: DIMENSIONS,
    };
    expect(isValidNativeBatch({ points: Array(1_000).fill(minimal) })).toBe(true);
    expect(
      isValidNativeBatch({
        points: [{ ...POINT, dimensions: { ...DIMENSIONS, tenantId: 'acme' } }],
      }),
    ).toBe(true);
  });

  it('accepts series batches, up to 1,000 points in all', () => {
    expect(isValidNativeBatch({ series: [SERIES] })).toBe(true);
    const tenth = { ...SERIES, points: Array(100).fill(READING) };
    expect(isValidNativeBatch({ series: Array(10).fill(tenth) })).toBe(true);
    expect(nativeBatchBody.safeParse({ series: Array(10).fill(tenth) }).success).toBe(true);
  });

  it('refuses what the schema refuses at the batch level', () => {
    for (const body of [
      null,
      [],
      {},
      { points: [] },
      { points: Array(1_001).fill(POINT) },
      { points: [POINT], extra: 1 },
      { points: {} },
      { points: [POINT], series: [SERIES] },
      { series: [] },
      { series: {} },
      { series: [{ ...SERIES, points: [] }] },
      // 600 + 401 points: each series within its bound, the batch over.
      {
        series: [
          { ...SERIES, points: Array(600).fill(READING) },
          { ...SERIES, points: Array(401).fill(READING) },
        ],
      },
    ]) {
      expect(isValidNativeBatch(body)).toBe(false);
      expect(nativeBatchBody.safeParse(body).success).toBe(false);
    }
  });

  /**
   * Over `numRuns` broken bodies, every one the check takes zod takes too. Some mutations keep a
   * body valid (a unit of "x", a value of 1): the check must still take those, else the property
   * would hold trivially.
   */
  function expectNoRefusalSkipped<T>(mutations: fc.Arbitrary<T>, bodyOf: (m: T[]) => unknown) {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(mutations, { minLength: 1, maxLength: 3 }), (drawn) => {
        const body = bodyOf(drawn);
        const zod = nativeBatchBody.safeParse(body).success;
        if (isValidNativeBatch(body)) {
          accepted += 1;
          expect(zod).toBe(true);
        }
      }),
      { numRuns: 5_000 },
    );
    expect(accepted).toBeGreaterThan(100);
  }

  it('accepts nothing zod refuses: broken points in every field and combination', () => {
    expectNoRefusalSkipped(mutation, (drawn) => ({ points: [POINT, mutate(drawn)] }));
  });

  it('accepts no series zod refuses: broken series and readings in every field and combination', () => {
    expectNoRefusalSkipped(seriesMutation, (drawn) => ({
      series: [SERIES, mutateSeries(drawn)],
    }));
  });
});

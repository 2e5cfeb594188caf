import { LOG_LEVELS } from '@obs/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogStoreQuery } from './log-store.port.js';
import { INJECTIONS } from '../../test/injections.js';
import { QUERY_BODY, buildLogQuery } from './kql.js';

const base: LogStoreQuery = {
  tenantId: 'acme',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  fromMs: Date.parse('2025-01-01T00:00:00.000Z'),
  toMs: Date.parse('2025-01-02T00:00:00.000Z'),
  minLevel: 'Information',
  limit: 51,
};

const LET_LINE =
  /^let [A-Za-z]+ = (base64_decode_tostring\("[A-Za-z0-9+/=]*"\)|datetime\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\)|tolong\(\d+\)|true|false);$/;

/** What a KQL engine would bind each `let` name to, read back from the text. */
function decodeLets(text: string): Record<string, string | number | boolean> {
  const lines = text.split('\n');
  const body = lines.filter((l) => !l.startsWith('let ')).join('\n');
  expect(body).toBe(QUERY_BODY);
  const values: Record<string, string | number | boolean> = {};
  for (const line of lines.filter((l) => l.startsWith('let '))) {
    expect(line).toMatch(LET_LINE);
    const [, name, value] = /^let ([A-Za-z]+) = (.*);$/.exec(line) ?? [];
    const b64 = /^base64_decode_tostring\("(.*)"\)$/.exec(value ?? '');
    const date = /^datetime\((.*)\)$/.exec(value ?? '');
    const long = /^tolong\((\d+)\)$/.exec(value ?? '');
    values[name ?? ''] = b64
      ? Buffer.from(b64[1] ?? '', 'base64').toString('utf8')
      : date
        ? (date[1] ?? '')
        : long
          ? Number(long[1])
          : value === 'true';
  }
  return values;
}

describe('buildLogQuery', () => {
  it('binds every value in a let statement ahead of a constant query text', () => {
    const q = buildLogQuery({ ...base, text: 'payment', after: { timeMs: 5, id: 'abc' } });
    expect(decodeLets(q.text)).toEqual({
      tenantId: 'acme',
      fromTime: '2025-01-01T00:00:00.000Z',
      toTime: '2025-01-02T00:00:00.000Z',
      useTraceId: true,
      traceId: base.traceId,
      useExecutionId: false,
      executionId: '',
      minSeverityLevel: 1,
      useText: true,
      text: 'payment',
      useAfter: true,
      afterMs: 5,
      afterId: 'abc',
      maxRows: 51,
    });
    expect(q.bindings).toEqual(decodeLets(q.text));
  });

  it.each(INJECTIONS)('keeps %j a value in every string field, never query text', (evil) => {
    const q = buildLogQuery({
      ...base,
      tenantId: evil,
      traceId: evil,
      executionId: evil,
      text: evil,
      after: { timeMs: 1, id: evil },
    });
    const bound = decodeLets(q.text);
    for (const name of ['tenantId', 'traceId', 'executionId', 'text', 'afterId']) {
      expect(bound[name]).toBe(evil);
    }
  });

  it('holds for any string in any field and any level (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.constantFrom(...LOG_LEVELS),
        fc.integer({ min: 1, max: 501 }),
        (a, b, level, limit) => {
          const q = buildLogQuery({
            ...base,
            tenantId: b,
            executionId: a,
            text: b,
            minLevel: level,
            limit,
            after: { timeMs: 0, id: a },
          });
          const bound = decodeLets(q.text);
          expect([
            bound.executionId,
            bound.text,
            bound.tenantId,
            bound.afterId,
            bound.maxRows,
          ]).toEqual([a, b, b, a, limit]);
        },
      ),
    );
  });

  it('refuses numbers that are not safe integers rather than write them', () => {
    expect(() => buildLogQuery({ ...base, limit: 1.5 })).toThrow(RangeError);
    expect(() => buildLogQuery({ ...base, fromMs: Number.NaN })).toThrow(RangeError);
  });
});

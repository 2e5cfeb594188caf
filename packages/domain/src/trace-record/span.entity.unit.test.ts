import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { sameSpan, span, spanSnapshot, type SpanInput } from './span.entity.js';
import { traceStatus, traceStatusOf } from './trace-status.js';

const base: SpanInput = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  tenantId: 'acme',
  spanId: '00f067aa0ba902b7',
  parentSpanId: null,
  name: 'GET /orders',
  moduleId: 'orders',
  startedAt: '2025-01-01T00:00:00.000Z',
  durationMs: 12.5,
};

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('span', () => {
  it('builds a span with OTLP defaults and round-trips through its snapshot', () => {
    const s = span({
      ...base,
      attributes: { 'http.status_code': 200, retried: false, tags: ['a', 'b'] },
      events: [
        { timestamp: '2025-01-01T00:00:00.005Z', name: 'exception', attributes: { x: 'y' } },
      ],
    });
    expect(s.status).toBe('unset');
    expect(s.startedAt).toBe(Date.parse(base.startedAt));
    const snap = spanSnapshot(s);
    expect(snap.events).toEqual([
      { timestamp: '2025-01-01T00:00:00.005Z', name: 'exception', attributes: { x: 'y' } },
    ]);
    expect(spanSnapshot(span(snap))).toEqual(snap);
  });

  it('freezes the span so a validated tree cannot be changed afterwards', () => {
    const input = { ...base, attributes: { tags: ['a'] } };
    const s = span(input);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.attributes)).toBe(true);
    input.attributes.tags.push('b');
    expect(s.attributes['tags']).toEqual(['a']);
  });

  it('refuses a negative duration: trace.negative_duration', () => {
    expect(codeOf(() => span({ ...base, durationMs: -0.5 }))).toBe('trace.negative_duration');
  });

  it('refuses a non-finite duration: trace.invalid_duration', () => {
    expect(codeOf(() => span({ ...base, durationMs: Infinity }))).toBe('trace.invalid_duration');
  });

  it('refuses malformed ids', () => {
    expect(codeOf(() => span({ ...base, spanId: 'xyz' }))).toBe('trace.invalid_span_id');
    expect(codeOf(() => span({ ...base, parentSpanId: '0000000000000000' }))).toBe(
      'trace.invalid_span_id',
    );
    expect(codeOf(() => span({ ...base, traceId: 'abc' }))).toBe('trace.invalid_trace_id');
    expect(codeOf(() => span({ ...base, tenantId: '' }))).toBe('tenant.invalid_id');
  });

  it('refuses empty names, module ids and bad instants', () => {
    expect(codeOf(() => span({ ...base, name: ' ' }))).toBe('trace.invalid_span_name');
    expect(codeOf(() => span({ ...base, moduleId: '' }))).toBe('trace.invalid_module_id');
    expect(codeOf(() => span({ ...base, startedAt: 'yesterday' }))).toBe('time.invalid_instant');
    expect(codeOf(() => span({ ...base, events: [{ timestamp: base.startedAt, name: '' }] }))).toBe(
      'trace.invalid_span_event',
    );
  });

  it('refuses attributes that cannot round-trip: trace.invalid_attribute', () => {
    expect(codeOf(() => span({ ...base, attributes: { n: Number.NaN } }))).toBe(
      'trace.invalid_attribute',
    );
    expect(codeOf(() => span({ ...base, attributes: { o: { nested: true } } }))).toBe(
      'trace.invalid_attribute',
    );
    expect(codeOf(() => span({ ...base, attributes: { a: [1, null] } }))).toBe(
      'trace.invalid_attribute',
    );
    expect(codeOf(() => span({ ...base, attributes: { '': 1 } }))).toBe('trace.invalid_attribute');
  });

  it('treats retried copies as the same span whatever the attribute order', () => {
    const a = span({ ...base, attributes: { a: 1, b: 2 } });
    const b = span({ ...base, attributes: { b: 2, a: 1 } });
    expect(sameSpan(a, b)).toBe(true);
    expect(sameSpan(a, span({ ...base, attributes: { a: 1, b: 3 } }))).toBe(false);
  });
});

describe('trace status', () => {
  it('parses the three statuses and refuses others: trace.invalid_status', () => {
    expect(traceStatus('error')).toBe('error');
    expect(codeOf(() => traceStatus('failed'))).toBe('trace.invalid_status');
  });

  it('is error when any span errored, else the root status', () => {
    expect(traceStatusOf('ok', ['ok', 'error'])).toBe('error');
    expect(traceStatusOf('ok', ['unset', 'ok'])).toBe('ok');
    expect(traceStatusOf('unset', ['ok'])).toBe('unset');
  });
});

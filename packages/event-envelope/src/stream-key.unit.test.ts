import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEnvelope, type EnvelopeOf } from './envelope.js';
import { AGGREGATE_STREAM_KEY } from './event-definition.js';
import { EnvelopeError } from './errors.js';
import { exampleEnvelope } from './examples.js';
import { getEvent, registeredEvents, streamKeyOf } from './registry.js';

type MetricWindow = EnvelopeOf<'MetricAggregated'>['payload'];

const BASE: MetricWindow = getEvent('MetricAggregated', 1).example.payload as MetricWindow;

/** A MetricAggregated envelope of one window, as metric-aggregation-service would publish it. */
function windowEnvelope(
  patch: Partial<MetricWindow> = {},
  tenantId = 'acme',
  aggregateId = `${BASE.seriesId}|${patch.windowStart ?? BASE.windowStart}`,
) {
  return createEnvelope({
    eventType: 'MetricAggregated',
    producer: 'metric-aggregation-service',
    tenantId,
    aggregate: { id: aggregateId, version: 1 },
    payload: { ...BASE, ...patch },
  });
}

const minute = (i: number): string => new Date(Date.UTC(2024, 4, 1, 10, i)).toISOString();

describe('streamKeyOf', () => {
  it('keys MetricAggregated by its series, readable and without windowStart', () => {
    expect(streamKeyOf(windowEnvelope())).toBe(
      'acme|checkout|http.server.duration|5m|service=payments-api',
    );
  });

  it('gives every window of one series the same key, whatever its start or aggregate id', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.string({ minLength: 1 }), (i, id) => {
        const envelope = windowEnvelope(
          { windowStart: minute(i * 5), windowEnd: minute(i * 5 + 5) },
          'acme',
          id,
        );
        expect(streamKeyOf(envelope)).toBe(streamKeyOf(windowEnvelope()));
      }),
    );
  });

  it.each([
    ['tenant', {}, 'globex'],
    ['project', { projectId: 'billing' }, 'acme'],
    ['metric', { metricName: 'http.server.requests' }, 'acme'],
    ['window size', { window: '1m' as const }, 'acme'],
    ['group', { groupKey: 'service=ledger', group: { service: 'ledger' } }, 'acme'],
  ])('separates series that differ in %s', (_part, patch, tenant) => {
    expect(streamKeyOf(windowEnvelope(patch, tenant))).not.toBe(streamKeyOf(windowEnvelope()));
  });

  it('cannot be confused by a "|" inside a part', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })),
        fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })),
        ([metricA, groupA], [metricB, groupB]) => {
          fc.pre(metricA !== metricB || groupA !== groupB);
          const a = windowEnvelope({ metricName: metricA, groupKey: groupA });
          const b = windowEnvelope({ metricName: metricB, groupKey: groupB });
          expect(streamKeyOf(a)).not.toBe(streamKeyOf(b));
        },
      ),
    );
    const split = windowEnvelope({ metricName: 'a|b', groupKey: 'c' });
    const shifted = windowEnvelope({ metricName: 'a', groupKey: 'b|c' });
    expect(streamKeyOf(split)).toBe('acme|checkout|a%7Cb|5m|c');
    expect(streamKeyOf(shifted)).not.toBe(streamKeyOf(split));
  });

  it('keys every other event by its aggregate id', () => {
    for (const entry of registeredEvents()) {
      if (entry.eventType === 'MetricAggregated') continue;
      const envelope = exampleEnvelope(entry);
      expect(entry.streamKey).toBe(AGGREGATE_STREAM_KEY);
      expect(streamKeyOf(envelope)).toBe(envelope.aggregate.id);
    }
  });

  it('refuses an unregistered event and an empty key', () => {
    const incident = exampleEnvelope(getEvent('IncidentOpened', 1));
    expect(() => streamKeyOf({ ...incident, eventVersion: 9 })).toThrow(EnvelopeError);
    expect(() =>
      streamKeyOf({ ...incident, aggregate: { ...incident.aggregate, id: '' } }),
    ).toThrow(/empty stream key for IncidentOpened v1/);
  });
});

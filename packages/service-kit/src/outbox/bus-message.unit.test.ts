import { HEADERS, streamKeyOf } from '@obs/event-envelope';
import { describe, expect, it } from 'vitest';
import { buildEvent } from '../testing/event-builders.js';
import { busMessageOf } from './bus-message.js';

describe('busMessageOf: the record as the platform publishes it', () => {
  it('keys MetricAggregated by its series: two windows of one series share a key, never the window', () => {
    const window = (start: string, end: string) =>
      buildEvent('MetricAggregated', {
        tenantId: 'acme',
        aggregateId: `series|${start}`,
        payload: { windowStart: start, windowEnd: end },
      });
    const first = busMessageOf(window('2024-05-01T10:00:00.000Z', '2024-05-01T10:05:00.000Z'));
    const next = busMessageOf(window('2024-05-01T10:05:00.000Z', '2024-05-01T10:10:00.000Z'));
    expect(first.key).toBe(next.key);
    expect(first.key).not.toContain('2024-05-01T10:00');
    expect(first.key).not.toBe(`series|2024-05-01T10:00:00.000Z`);
  });

  it('keys other events by their aggregate id and labels every record', () => {
    const opened = buildEvent('IncidentOpened', { tenantId: 'acme', aggregateId: 'inc-1' });
    const message = busMessageOf(opened, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(message).toMatchObject({
      topic: 'obs.incident.v1',
      key: 'inc-1',
      headers: {
        [HEADERS.eventType]: 'IncidentOpened',
        [HEADERS.eventVersion]: '1',
        [HEADERS.tenantId]: 'acme',
        [HEADERS.traceparent]: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    expect(message.key).toBe(streamKeyOf(opened));
    expect(JSON.parse(message.value)).toEqual(opened);
  });
});

import { topicFor } from '@obs/event-envelope';
import { describe, expect, it } from 'vitest';
import type { Transaction } from '../db/unit-of-work.js';
import { buildEvent } from '../testing/event-builders.js';
import { consumerOf } from './consumer-of.js';

const tx = {} as Transaction;

describe('consumerOf', () => {
  it('derives its event types and topics (once each) from its handlers', () => {
    const consumer = consumerOf('incident', {
      startFrom: 'earliest',
      on: { IncidentOpened: () => Promise.resolve(), IncidentResolved: () => Promise.resolve() },
    });
    expect(consumer.eventTypes).toEqual(['IncidentOpened', 'IncidentResolved']);
    expect(consumer.topics).toEqual([topicFor('IncidentOpened')]);
    expect(consumer.startFrom).toBe('earliest');
  });

  it("calls each type's own handler with its envelope, and nothing for another type", async () => {
    const seen: string[] = [];
    const consumer = consumerOf('incident', {
      startFrom: 'latest',
      on: {
        IncidentOpened: (envelope) =>
          Promise.resolve(seen.push(`opened ${envelope.payload.severity}`)),
        IncidentResolved: (envelope) =>
          Promise.resolve(seen.push(`resolved ${envelope.eventType}`)),
      },
    });
    await consumer.handle(buildEvent('IncidentOpened', { tenantId: 'acme' }), tx);
    await consumer.handle(buildEvent('IncidentResolved', { tenantId: 'acme' }), tx);
    await consumer.handle(buildEvent('IncidentAcknowledged', { tenantId: 'acme' }), tx);
    expect(seen).toEqual([
      `opened ${buildEvent('IncidentOpened', { tenantId: 'acme' }).payload.severity}`,
      'resolved IncidentResolved',
    ]);
  });

  it('refuses a consumer that handles nothing', () => {
    expect(() => consumerOf('empty', { startFrom: 'latest', on: {} })).toThrow(/handles no event/);
  });
});

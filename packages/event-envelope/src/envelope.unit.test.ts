import { tenantId, type DomainEvent } from '@obs/domain';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createEnvelope,
  envelopeFromDomainEvent,
  parseEnvelope,
  type CreateEnvelopeInput,
  type Envelope,
  type EnvelopeOf,
} from './envelope.js';
import { EnvelopeError, type EnvelopeErrorCode } from './errors.js';
import { exampleEnvelope } from './examples.js';
import { getEvent, registeredEvents, type EventType, type PayloadOf } from './registry.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A valid, JSON-shaped envelope that each test breaks in one place. */
function validRaw(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(exampleEnvelope(getEvent('IncidentOpened', 1)))) as Record<
    string,
    unknown
  >;
}

function withPayload(patch: Record<string, unknown>): Record<string, unknown> {
  const raw = validRaw();
  return { ...raw, payload: { ...(raw.payload as Record<string, unknown>), ...patch } };
}

function errorOf(action: () => unknown): EnvelopeError {
  try {
    action();
  } catch (err) {
    if (err instanceof EnvelopeError) return err;
    throw err;
  }
  throw new Error('expected an EnvelopeError');
}

function expectRefused(input: unknown, code: EnvelopeErrorCode, ...named: string[]): void {
  const err = errorOf(() => parseEnvelope(input));
  expect(err.code).toBe(code);
  for (const name of named) expect(err.message).toContain(name);
}

describe('createEnvelope / parseEnvelope round trip', () => {
  it.each(registeredEvents().map((entry) => [`${entry.eventType} v${entry.eventVersion}`, entry]))(
    '%s survives create → JSON → parse unchanged',
    (_name, entry) => {
      // The loop sees the union of all events; each example is typed by its own definition.
      const input = {
        eventType: entry.eventType,
        eventVersion: entry.eventVersion,
        producer: entry.producer,
        tenantId: 'acme',
        traceId: TRACE,
        correlationId: 'flow-1',
        aggregate: { id: entry.example.aggregateId, version: entry.example.aggregateVersion },
        payload: entry.example.payload as PayloadOf<EventType>,
        occurredAt: entry.example.occurredAt,
      } as CreateEnvelopeInput<EventType, 1>;
      const created = createEnvelope(input);
      expect(created.aggregate.type).toBe(entry.aggregateType);
      expect(created.payload).toEqual(entry.example.payload);
      const parsed = parseEnvelope(JSON.parse(JSON.stringify(created)));
      expect(parsed).toEqual(created);
      // Canonical key order, whatever order the input had.
      expect(Object.keys(parsed)).toEqual([
        'specVersion',
        'eventId',
        'eventType',
        'eventVersion',
        'occurredAt',
        'producer',
        'tenantId',
        'traceId',
        'correlationId',
        'causationId',
        'aggregate',
        'payload',
      ]);
    },
  );

  it('fills the defaults: version 1, fresh uuid, now, nulls, registered aggregate type', () => {
    const before = Date.now();
    const envelope = createEnvelope({
      eventType: 'IncidentAcknowledged',
      producer: 'incident-service',
      tenantId: 'acme',
      aggregate: { id: 'inc-1', version: 2 },
      payload: { incidentId: 'inc-1', actor: 'user-1', acknowledgedAt: '2024-05-01T10:00:00Z' },
    });
    expect(envelope).toMatchObject({
      specVersion: '1.0',
      eventVersion: 1,
      traceId: null,
      correlationId: null,
      causationId: null,
      aggregate: { type: 'Incident', id: 'inc-1', version: 2 },
    });
    expect(envelope.eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Date.parse(envelope.occurredAt)).toBeGreaterThanOrEqual(before);
    expectTypeOf(envelope).toEqualTypeOf<EnvelopeOf<'IncidentAcknowledged', 1>>();
    expectTypeOf(envelope.payload.actor).toEqualTypeOf<string>();
  });

  it('narrows the payload by eventType on a parsed envelope', () => {
    const envelope: Envelope = parseEnvelope(validRaw());
    if (envelope.eventType !== 'IncidentOpened') throw new Error('expected IncidentOpened');
    expectTypeOf(envelope.payload.severity).toEqualTypeOf<
      'info' | 'warning' | 'high' | 'critical'
    >();
    expect(envelope.payload.severity).toBe('high');
  });

  it('refuses an explicit aggregate type that is not the registered one', () => {
    const err = errorOf(() =>
      createEnvelope({
        eventType: 'IncidentAcknowledged',
        producer: 'incident-service',
        tenantId: 'acme',
        // Typed as the only legal value; the cast stands for a caller without types (JS, JSON).
        aggregate: { type: 'AlertRule' as 'Incident', id: 'inc-1', version: 2 },
        payload: { incidentId: 'inc-1', actor: 'user-1', acknowledgedAt: '2024-05-01T10:00:00Z' },
      }),
    );
    expect(err.code).toBe('envelope.invalid_envelope');
    expect(err.message).toContain('aggregate.type');
    expect(err.message).toContain('IncidentAcknowledged belongs to Incident, not AlertRule');
  });
});

describe('refusals name the problem', () => {
  it('an unknown eventType', () => {
    expectRefused(
      { ...validRaw(), eventType: 'IncidentExploded' },
      'envelope.unknown_event_type',
      'IncidentExploded',
    );
  });

  it('an unknown eventVersion of a known type', () => {
    const err = errorOf(() => parseEnvelope({ ...validRaw(), eventVersion: 7 }));
    expect(err.code).toBe('envelope.unknown_event_version');
    expect(err.message).toContain('eventVersion 7 of IncidentOpened');
    expect(err.message).toContain('registered versions: 1');
  });

  it('an invalid payload, with every failing path', () => {
    const err = errorOf(() =>
      parseEnvelope(withPayload({ severity: 'apocalyptic', openedAt: 'yesterday', extra: true })),
    );
    expect(err.code).toBe('envelope.invalid_payload');
    expect(err.message).toContain('IncidentOpened v1');
    expect(err.issues.map((issue) => issue.path).sort()).toEqual([
      'payload',
      'payload.openedAt',
      'payload.severity',
    ]);
    expect(err.message).toContain('extra');
  });

  it('a missing payload field and a nested one', () => {
    const raw = withPayload({});
    delete (raw.payload as Record<string, unknown>).title;
    (raw.payload as { dimensions: Record<string, unknown> }).dimensions.origin = 'mars';
    expectRefused(raw, 'envelope.invalid_payload', 'payload.title', 'payload.dimensions.origin');
  });

  it('a payload whose dimensions name another tenant', () => {
    const raw = withPayload({});
    (raw.payload as { dimensions: Record<string, unknown> }).dimensions.tenantId = 'globex';
    expectRefused(raw, 'envelope.tenant_mismatch', 'payload.dimensions.tenantId', 'globex');
  });

  it.each([
    ['an unknown envelope field', { extra: 1 }, 'extra'],
    ['a wrong specVersion', { specVersion: '2.0' }, 'specVersion'],
    ['a non-uuid eventId', { eventId: 'evt-1' }, 'eventId'],
    ['a local-time occurredAt', { occurredAt: '2024-05-01T10:00:00+02:00' }, 'occurredAt'],
    ['a fractional eventVersion', { eventVersion: 1.5 }, 'eventVersion'],
    [
      'a negative aggregate version',
      { aggregate: { type: 'Incident', id: 'i', version: -1 } },
      'aggregate.version',
    ],
    ['a non-uuid causationId', { causationId: 'because' }, 'causationId'],
    ['a bad tenantId', { tenantId: 'acme corp' }, 'tenantId'],
    ['an array payload', { payload: [] }, 'payload'],
  ])('%s', (_name, patch, path) => {
    expectRefused({ ...validRaw(), ...patch }, 'envelope.invalid_envelope', path);
  });

  it('a missing envelope field and a non-object input', () => {
    const raw = validRaw();
    delete raw.producer;
    expectRefused(raw, 'envelope.invalid_envelope', 'producer');
    expectRefused('not an envelope', 'envelope.invalid_envelope');
    expectRefused(null, 'envelope.invalid_envelope');
  });
});

describe('traceId', () => {
  const parseTrace = (traceId: unknown) => parseEnvelope({ ...validRaw(), traceId });

  it('accepts null and any 32 lowercase hex id that is not all zeros', () => {
    expect(parseTrace(null).traceId).toBeNull();
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), (id) => {
        fc.pre(!/^0+$/.test(id));
        expect(parseTrace(id).traceId).toBe(id);
      }),
    );
  });

  it.each([
    ['all zeros', '0'.repeat(32)],
    ['upper case', TRACE.toUpperCase()],
    ['too short', TRACE.slice(1)],
    ['too long', `${TRACE}0`],
    ['not hex', `${TRACE.slice(1)}g`],
    ['empty', ''],
  ])('refuses %s', (_name, traceId) => {
    expectRefused({ ...validRaw(), traceId }, 'envelope.invalid_envelope', 'traceId');
  });

  it('refuses a payload traceId that is not a W3C id', () => {
    const raw = JSON.parse(JSON.stringify(exampleEnvelope(getEvent('TraceRecorded', 1)))) as Record<
      string,
      unknown
    >;
    raw.payload = { ...(raw.payload as Record<string, unknown>), traceId: '0'.repeat(32) };
    expectRefused(raw, 'envelope.invalid_payload', 'payload.traceId');
  });
});

describe('envelopeFromDomainEvent', () => {
  const event: DomainEvent<'IncidentAcknowledged', PayloadOf<'IncidentAcknowledged'>> = {
    eventType: 'IncidentAcknowledged',
    aggregateType: 'Incident',
    aggregateId: 'inc-9',
    tenantId: tenantId('acme'),
    traceId: TRACE,
    occurredAt: '2024-05-01T10:12:00.000Z',
    payload: { incidentId: 'inc-9', actor: 'user-42', acknowledgedAt: '2024-05-01T10:12:00.000Z' },
  };

  it('wraps a domain event with the version stamped at save time', () => {
    const envelope = envelopeFromDomainEvent(event, {
      producer: 'incident-service',
      aggregateVersion: 3,
      correlationId: 'flow-9',
    });
    expectTypeOf(envelope).toEqualTypeOf<Envelope<'IncidentAcknowledged'>>();
    expect(envelope).toMatchObject({
      eventType: 'IncidentAcknowledged',
      eventVersion: 1,
      occurredAt: event.occurredAt,
      producer: 'incident-service',
      tenantId: 'acme',
      traceId: TRACE,
      correlationId: 'flow-9',
      causationId: null,
      aggregate: { type: 'Incident', id: 'inc-9', version: 3 },
      payload: event.payload,
    });
  });

  it('lets the caller override or clear the trace id', () => {
    const other = 'a'.repeat(32);
    const opts = { producer: 'incident-service', aggregateVersion: 3 };
    expect(envelopeFromDomainEvent(event, { ...opts, traceId: other }).traceId).toBe(other);
    expect(envelopeFromDomainEvent(event, { ...opts, traceId: null }).traceId).toBeNull();
  });

  it('checks a loosely typed domain event like any other input', () => {
    const loose: DomainEvent = {
      ...event,
      aggregateType: 'Dashboard',
      payload: { incidentId: 'inc-9' },
    };
    const err = errorOf(() =>
      envelopeFromDomainEvent(loose, { producer: 'x', aggregateVersion: 1 }),
    );
    expect(err.code).toBe('envelope.invalid_envelope');
    expect(err.message).toContain('aggregate.type');
    const badPayload: DomainEvent = { ...event, payload: { incidentId: 'inc-9' } };
    const payloadErr = errorOf(() =>
      envelopeFromDomainEvent(badPayload, { producer: 'x', aggregateVersion: 1 }),
    );
    expect(payloadErr.code).toBe('envelope.invalid_payload');
    expect(payloadErr.message).toContain('payload.actor');
    expect(payloadErr.message).toContain('payload.acknowledgedAt');
  });
});

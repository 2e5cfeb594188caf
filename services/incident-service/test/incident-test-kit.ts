import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import {
  createEnvelope,
  HEADERS,
  parseEnvelope,
  streamKeyOf,
  topicFor,
  type Envelope,
  type EnvelopeOf,
} from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService } from '@obs/service-kit/testing';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { expect, inject } from 'vitest';
import { createIncidentService } from '../src/app.js';
import {
  DEFAULT_ESCALATION_POLICY,
  DEFAULT_REPLAY_HORIZON_MS,
  type IncidentServiceConfig,
} from '../src/config.js';

/** Test helpers shared by the incident-service integration tests (real Postgres and Kafka). */

export const TEST_CONFIG: IncidentServiceConfig = {
  escalationPolicy: DEFAULT_ESCALATION_POLICY,
  // The tests drive the scheduler with tick(); the interval has its own test.
  escalationIntervalMs: 0,
  sloSeverity: 'critical',
  replayHorizonMs: DEFAULT_REPLAY_HORIZON_MS,
};

/** A clock the test moves by hand: schedulers see time pass without anyone sleeping. */
export class TestClock {
  constructor(public nowMs = Date.parse('2030-01-01T00:00:00.000Z')) {}

  readonly now = (): number => this.nowMs;

  iso(offsetMinutes = 0): string {
    return new Date(this.nowMs + offsetMinutes * 60_000).toISOString();
  }

  advanceMinutes(minutes: number): void {
    this.nowMs += minutes * 60_000;
  }
}

export async function startIncidentService(
  options: {
    clock?: TestClock;
    config?: Partial<IncidentServiceConfig>;
    runConsumers?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  return startTestService(createIncidentService({ ...TEST_CONFIG, ...options.config }), {
    clock: options.clock?.now,
    runConsumers: options.runConsumers,
    // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
    env: { RATE_LIMIT_MAX: '100000', ...options.env },
  });
}

/** A tenant no other test (or earlier run against the same database) uses. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const writer = (tenantId: string) => bearer(tenantId, ['read', 'write']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);

export interface IncidentBody {
  id: string;
  tenantId: string;
  title: string;
  severity: string;
  status: string;
  source: string;
  sourceRef: string | null;
  traceId: string | null;
  projectId: string;
  moduleId: string | null;
  dimensions: Record<string, string> | null;
  openedAt: string;
  escalationStartsAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  rootCause: string | null;
  escalationSteps: { level: number; target: string; delayMinutes: number; at: string | null }[];
  nextEscalationAt: string | null;
  version: number;
}

export interface TimelineLine {
  timestamp: string;
  type: string;
  actor: string;
  note: string | null;
}

export async function openManual(
  service: RunningService,
  tenantId: string,
  body: Record<string, unknown> = {},
): Promise<IncidentBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: writer(tenantId),
    payload: { title: 'Checkout is slow', severity: 'high', projectId: 'checkout', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<IncidentBody>();
}

export async function runCommand(
  service: RunningService,
  tenantId: string,
  id: string,
  verb: string,
  body: Record<string, unknown> = { actor: 'user-42' },
  headers: Record<string, string> = {},
) {
  return service.app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/${verb}`,
    headers: { ...writer(tenantId), ...headers },
    payload: body,
  });
}

export async function timelineOf(
  service: RunningService,
  tenantId: string,
  id: string,
): Promise<TimelineLine[]> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/incidents/${id}/events?limit=500`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: TimelineLine[] }>().items;
}

export async function listOf(
  service: RunningService,
  tenantId: string,
  query = '',
): Promise<IncidentBody[]> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/incidents${query}`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: IncidentBody[] }>().items;
}

function kafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: inject('infra').kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
}

/**
 * Reads a topic (obs.incident.v1 by default) from the beginning with its own consumer group and
 * keeps every record with its headers, parsed as a canonical envelope when it is one.
 */
export class TopicProbe {
  readonly records: { value: string; envelope?: Envelope; headers: Record<string, string> }[] = [];
  private consumer: Consumer | undefined;

  constructor(private readonly topic: string = topicFor('IncidentOpened')) {}

  async start(): Promise<void> {
    this.consumer = kafka('incident-topic-probe').consumer({
      groupId: `incident-probe-${randomUUID()}`,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: ({ message }) => {
        const value = message.value?.toString() ?? '';
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        let envelope: Envelope | undefined;
        try {
          envelope = parseEnvelope(JSON.parse(value));
        } catch {
          envelope = undefined;
        }
        this.records.push({ value, envelope, headers });
        return Promise.resolve();
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** Records that are not a valid canonical envelope (there must be none on obs.incident.v1). */
  invalid(): string[] {
    return this.records.filter((r) => r.envelope === undefined).map((r) => r.value);
  }

  of(tenantId: string, eventType?: string): Envelope[] {
    return this.records
      .flatMap((r) => (r.envelope ? [r.envelope] : []))
      .filter(
        (e) => e.tenantId === tenantId && (eventType === undefined || e.eventType === eventType),
      );
  }

  headersOf(eventId: string): Record<string, string> | undefined {
    return this.records.find((r) => r.envelope?.eventId === eventId)?.headers;
  }

  /** Waits (polling, never a fixed sleep) until the tenant has `count` events of the type. */
  async waitFor(tenantId: string, eventType: string, count = 1): Promise<Envelope[]> {
    await expect
      .poll(() => this.of(tenantId, eventType).length, { timeout: 30_000, interval: 100 })
      .toBeGreaterThanOrEqual(count);
    return this.of(tenantId, eventType);
  }
}

/**
 * Publishes envelopes to Kafka as another service's relay would: the key is `streamKeyOf`, as the
 * kit's outbox writer sets it, the headers and JSON value are the outbox row's.
 */
export class EnvelopePublisher {
  private producer: Producer | undefined;

  async start(): Promise<void> {
    this.producer = kafka('incident-test-publisher').producer();
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
  }

  async publish(envelope: Envelope): Promise<void> {
    if (!this.producer) throw new Error('publisher not started');
    await this.producer.send({
      topic: topicFor(envelope.eventType),
      messages: [
        {
          key: streamKeyOf(envelope),
          value: JSON.stringify(envelope),
          headers: {
            [HEADERS.eventType]: envelope.eventType,
            [HEADERS.eventVersion]: String(envelope.eventVersion),
            [HEADERS.tenantId]: envelope.tenantId,
          },
        },
      ],
    });
  }
}

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export function alertTriggered(input: {
  tenantId: string;
  alertRuleId?: string;
  groupKey?: string;
  group?: Record<string, string>;
  severity?: 'info' | 'warning' | 'high' | 'critical';
  firedAt: string;
  traceId?: string | null;
  projectId?: string;
}): EnvelopeOf<'AlertTriggered'> {
  const alertRuleId = input.alertRuleId ?? randomUUID();
  const groupKey = input.groupKey ?? 'service=payments-api';
  return createEnvelope({
    eventType: 'AlertTriggered',
    producer: 'alert-rule-service',
    tenantId: input.tenantId,
    traceId: input.traceId === undefined ? TRACE_ID : input.traceId,
    aggregate: { id: alertRuleId, version: 3 },
    occurredAt: input.firedAt,
    payload: {
      alertRuleId,
      ruleName: 'Payments p95 latency',
      fingerprint: `${alertRuleId}:${groupKey}`,
      groupKey,
      group: input.group ?? { service: 'payments-api' },
      severity: input.severity ?? 'critical',
      metric: 'http.server.duration',
      aggregation: 'p95',
      operator: 'gt',
      threshold: 300,
      observedValue: 412,
      forMinutes: 5,
      activeAt: input.firedAt,
      firedAt: input.firedAt,
      projectId: input.projectId ?? 'checkout',
      moduleId: 'payments',
    },
  });
}

export function sloBreached(input: {
  tenantId: string;
  sloId?: string;
  breachedAt: string;
  traceId?: string | null;
}): EnvelopeOf<'SloBreached'> {
  const sloId = input.sloId ?? randomUUID();
  return createEnvelope({
    eventType: 'SloBreached',
    producer: 'slo-service',
    tenantId: input.tenantId,
    traceId: input.traceId ?? null,
    aggregate: { id: sloId, version: 7 },
    occurredAt: input.breachedAt,
    payload: {
      sloId,
      projectId: 'checkout',
      name: 'Payments availability',
      target: 99.9,
      windowMinutes: 43_200,
      errorBudget: 0.1,
      budgetRemaining: 0,
      badPct: 0.12,
      breachedAt: input.breachedAt,
    },
  });
}

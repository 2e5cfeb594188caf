import { DIMENSION_NAMES } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { EnvelopeError } from './errors.js';
import { dimensionsSchema } from './payloads/common.js';
import {
  EVENT_TYPES,
  findEvent,
  getEvent,
  isEventType,
  registeredEvents,
  topicFor,
  visibilityOf,
  type EventType,
} from './registry.js';
import { AGGREGATE_TOPICS, HEADERS, TOPICS, dlqTopicFor } from './topics.js';

/** the event payload schemas in packages/event-envelope/src/payloads, transcribed: the contract this package must cover exactly. */
const CONTRACT = [
  ['TraceRecorded', 'TraceRecord', 'public', 'obs.trace-record.v1'],
  ['SpanMetricsRecorded', 'TraceRecord', 'internal', 'obs.trace-record.v1'],
  ['MetricAggregated', 'MetricSeries', 'public', 'obs.metric-series.v1'],
  ['DashboardDefined', 'DashboardDefinition', 'public', 'obs.dashboard-definition.v1'],
  ['DashboardUpdated', 'DashboardDefinition', 'internal', 'obs.dashboard-definition.v1'],
  ['AlertTriggered', 'AlertRule', 'public', 'obs.alert-rule.v1'],
  ['AlertResolved', 'AlertRule', 'public', 'obs.alert-rule.v1'],
  ['IncidentOpened', 'Incident', 'public', 'obs.incident.v1'],
  ['IncidentResolved', 'Incident', 'public', 'obs.incident.v1'],
  ['IncidentAcknowledged', 'Incident', 'internal', 'obs.incident.v1'],
  ['IncidentEscalated', 'Incident', 'internal', 'obs.incident.v1'],
  ['FeedbackItemCreated', 'FeedbackItem', 'public', 'obs.feedback-item.v1'],
  ['FeedbackItemRouted', 'FeedbackItem', 'internal', 'obs.feedback-item.v1'],
  ['FeedbackItemApplied', 'FeedbackItem', 'internal', 'obs.feedback-item.v1'],
  ['QualityScoreComputed', 'QualityScore', 'public', 'obs.quality-score.v1'],
  ['CostAnomalyDetected', 'CostSignal', 'public', 'obs.cost-signal.v1'],
  ['SloBreached', 'SloDefinition', 'public', 'obs.slo-definition.v1'],
  ['SloBurnRateAlertFired', 'SloDefinition', 'public', 'obs.slo-definition.v1'],
  ['SloBurnRateAlertResolved', 'SloDefinition', 'public', 'obs.slo-definition.v1'],
  ['CorrelationSnapshotted', 'TelemetryCorrelation', 'internal', 'obs.telemetry-correlation.v1'],
] as const;

describe('registry', () => {
  it('registers every eventType of the contract, and nothing else', () => {
    expect([...EVENT_TYPES].sort()).toEqual(CONTRACT.map(([type]) => type).sort());
  });

  it.each(CONTRACT)('%s v1: aggregate %s, %s, on %s', (type, aggregate, visibility, topic) => {
    const entry = getEvent(type, 1);
    expect(entry).toMatchObject({ aggregateType: aggregate, visibility, topic, eventVersion: 1 });
    expect(entry.description.length).toBeGreaterThan(20);
    expect(entry.schema.safeParse(entry.example.payload).success).toBe(true);
    expect(topicFor(type)).toBe(topic);
    expect(visibilityOf(type)).toBe(visibility);
  });

  // Public events: docs/design.md#event-catalogue (the test name keeps its old wording; AlertResolved
  // made them eleven).
  it('has exactly the ten public events of DESIGN.md section 6', () => {
    expect(registeredEvents().filter((entry) => entry.visibility === 'public')).toHaveLength(13);
  });

  it('looks up by (eventType, eventVersion) only', () => {
    expect(findEvent('IncidentOpened', 1)?.eventType).toBe('IncidentOpened');
    expect(findEvent('IncidentOpened', 2)).toBeUndefined();
    expect(findEvent('Nope', 1)).toBeUndefined();
    expect(isEventType('SloBreached')).toBe(true);
    expect(isEventType('toString')).toBe(false);
  });

  it('refuses a topic for an unknown event type, naming it', () => {
    // A caller without types (JSON, JS) can still pass any string.
    const unknownType = 'Nope' as EventType;
    expect(() => topicFor(unknownType)).toThrow(EnvelopeError);
    expect(() => topicFor(unknownType)).toThrow(/unknown eventType "Nope"/);
  });

  it('keeps the telemetry dimensions equal to the domain list', () => {
    expect(Object.keys(dimensionsSchema.shape)).toEqual([...DIMENSION_NAMES]);
  });
});

describe('topics and headers', () => {
  // Topic table: docs/design.md#ports (the test name keeps its old wording).
  it('follows DESIGN.md section 3 plus the internal correlation topic', () => {
    expect(TOPICS).toEqual([
      'obs.trace-record.v1',
      'obs.metric-series.v1',
      'obs.dashboard-definition.v1',
      'obs.alert-rule.v1',
      'obs.incident.v1',
      'obs.feedback-item.v1',
      'obs.quality-score.v1',
      'obs.cost-signal.v1',
      'obs.slo-definition.v1',
      'obs.telemetry-correlation.v1',
    ]);
    expect(AGGREGATE_TOPICS.Incident.producer).toBe('incident-service');
    expect(AGGREGATE_TOPICS.CostSignal.producer).toBe('cost-telemetry-service');
  });

  it('names dead-letter topics <topic>.dlq', () => {
    expect(dlqTopicFor('obs.incident.v1')).toBe('obs.incident.v1.dlq');
  });

  // Record headers: docs/design.md#kafka-records (the test name keeps its old wording).
  it('uses the Kafka header names of DESIGN.md section 6', () => {
    expect(HEADERS).toEqual({
      eventType: 'event-type',
      eventVersion: 'event-version',
      tenantId: 'tenant-id',
      traceparent: 'traceparent',
    });
  });
});

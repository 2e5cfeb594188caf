import { topicFor } from '@obs/event-envelope';
import type { ServiceDefinition } from '@obs/service-kit';
import { incidentConfigFrom, type IncidentServiceConfig } from './config.js';
import { alertTriggeredConsumer } from './consumers/alert-triggered.consumer.js';
import { sloBreachedConsumer } from './consumers/slo-breached.consumer.js';
import { sloBurnRateAlertConsumer } from './consumers/slo-burn-rate-alert.consumer.js';
import { EscalationScheduler } from './escalation/escalation.scheduler.js';
import { IncidentIntake } from './incident-intake.js';
import { IncidentEntity, IncidentEventEntity, incidentStore } from './incident.repository.js';
import { CreateIncidents1730000000001 } from './migrations/1730000000001-create-incidents.js';
import { EscalationStartsAt1730000000002 } from './migrations/1730000000002-escalation-starts-at.js';
import { incidentRoutes } from './routes/incident.routes.js';
import { onCallRoutes } from './routes/on-call.routes.js';
import { EscalationPoliciesAndSchedules1730000000003 } from './migrations/1730000000003-escalation-policies-and-schedules.js';
import {
  EscalationPolicyEntity,
  escalationPolicyStore,
  ScheduleEntity,
  scheduleStore,
} from './on-call.repository.js';

const DESCRIPTION = `Incidents: the unit of operational reaction. An incident is opened by hand, from an
AlertTriggered (one per unresolved alert fingerprint; repeats append a recurrence) or from an
SloBreached, then moves open → acknowledged → investigating → mitigated → resolved (any unresolved
status may resolve, with a root cause). Unacknowledged incidents escalate step by step along their
escalation policy. Publishes IncidentOpened and IncidentResolved (public) and IncidentAcknowledged
and IncidentEscalated (internal) on obs.incident.v1. Reads need the \`read\` scope, changes \`write\`.`;

/**
 * The service definition for a given configuration (tests pass their own; the kit's Env only
 * carries platform-wide settings, so the service reads its own with incidentConfigFrom).
 */
export function createIncidentService(config: IncidentServiceConfig): ServiceDefinition {
  return {
    name: 'incident-service',
    schema: 'incident',
    defaultPort: 4106,
    openapi: { title: 'incident-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [IncidentEntity, IncidentEventEntity, EscalationPolicyEntity, ScheduleEntity],
    migrations: [
      CreateIncidents1730000000001,
      EscalationStartsAt1730000000002,
      EscalationPoliciesAndSchedules1730000000003,
    ],
    topics: [topicFor('IncidentOpened')],
    compose: (ctx) => {
      const store = incidentStore(ctx.dataSource, ctx.uow);
      const policies = escalationPolicyStore(ctx.dataSource, ctx.uow);
      const schedules = scheduleStore(ctx.dataSource, ctx.uow);
      const intake = new IncidentIntake(store, config, ctx.clock);
      return {
        routes: (app) => {
          incidentRoutes(app, ctx, store, config);
          onCallRoutes(app, ctx, policies, schedules);
        },
        consumers: [
          alertTriggeredConsumer(intake),
          sloBreachedConsumer(intake),
          sloBurnRateAlertConsumer(store, config, ctx.clock),
        ],
        jobs: [new EscalationScheduler(ctx, store).asJob(config.escalationIntervalMs)],
      };
    },
  };
}

/** Configured from the process environment (INCIDENT_ESCALATION_POLICY and friends). */
export const incidentService: ServiceDefinition = createIncidentService(
  incidentConfigFrom(process.env),
);

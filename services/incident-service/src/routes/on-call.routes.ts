import { randomUUID } from 'node:crypto';
import { DomainError, EscalationPolicy, Schedule } from '@obs/domain';
import {
  commandRoute,
  createRoute,
  deleteRoute,
  getRoute,
  listRoute,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from 'typeorm';
import {
  findPolicy,
  findSchedule,
  listPolicies,
  listSchedules,
  onCallOf,
  policiesNamingSchedule,
  policyView,
  scheduleView,
  unknownSchedules,
} from '../on-call.queries.js';
import type { EscalationPolicyStore, ScheduleStore } from '../on-call.repository.js';
import {
  onCallQuery,
  onCallSchema,
  pageQuery,
  policyBody,
  policySchema,
  POLICY_DOMAIN_CODES,
  scheduleBody,
  scheduleSchema,
  SCHEDULE_DOMAIN_CODES,
} from './on-call.schemas.js';

const POLICIES_URL = '/v1/escalation-policies';
const SCHEDULES_URL = '/v1/schedules';
const POLICY_TAGS = ['escalation policies'];
const SCHEDULE_TAGS = ['schedules'];

/** A policy may only name schedules of its tenant (receivers are checked when they are sent to). */
async function ensureSchedulesExist(
  manager: EntityManager,
  tenantId: string,
  policy: EscalationPolicy,
): Promise<void> {
  const unknown = await unknownSchedules(manager, tenantId, policy.scheduleIds);
  if (unknown.length > 0) {
    throw new DomainError(
      'escalation_policy.unknown_schedule',
      `steps name schedules the tenant does not have: ${unknown.join(', ')}`,
      { scheduleIds: unknown },
    );
  }
}

/** Escalation policies and on-call schedules: the kit's resource routes throughout. */
export function onCallRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  policies: EscalationPolicyStore,
  schedules: ScheduleStore,
): void {
  createRoute(app, ctx, {
    url: POLICIES_URL,
    scope: 'write',
    tags: POLICY_TAGS,
    summary: 'Create an escalation policy',
    description:
      "Ordered steps, each naming receivers and/or schedules and due delayMinutes after its round starts, run once and then `repeats` more times. An alert rule's `incident` action names the policy by id or name; an incident copies the steps when it opens. A name taken in the tenant answers 409.",
    body: policyBody,
    response: policySchema,
    domainCodes: POLICY_DOMAIN_CODES,
    store: policies,
    create: async (body, call) => {
      const policy = EscalationPolicy.create({
        ...body,
        policyId: randomUUID(),
        tenantId: call.auth.tenantId,
        at: call.at,
      });
      await ensureSchedulesExist(ctx.dataSource.manager, call.auth.tenantId, policy);
      return policy;
    },
    toDto: (saved) => policyView(saved.aggregate.toSnapshot(), saved.version),
  });

  listRoute(app, {
    url: POLICIES_URL,
    tags: POLICY_TAGS,
    summary: 'List escalation policies',
    description: "The tenant's escalation policies, newest first (createdAt, then id).",
    querystring: pageQuery,
    item: policySchema,
    list: (tenantId, query) => listPolicies(ctx.dataSource, tenantId, query),
  });

  getRoute(app, {
    url: `${POLICIES_URL}/:id`,
    tags: POLICY_TAGS,
    summary: 'Get an escalation policy',
    description: 'One escalation policy, with ETag "<version>" for If-Match.',
    resource: 'escalation policy',
    response: policySchema,
    find: (tenantId, id) => findPolicy(ctx.dataSource, tenantId, id),
    versionOf: (policy) => policy.version,
  });

  commandRoute(app, ctx, {
    url: `${POLICIES_URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: POLICY_TAGS,
    summary: 'Replace an escalation policy',
    description:
      'Replaces name, steps and repeats; a replacement that changes nothing keeps the version. Incidents already open keep the steps they copied; incidents opened from now on follow the new ones.',
    body: policyBody,
    response: policySchema,
    domainCodes: POLICY_DOMAIN_CODES,
    store: policies,
    run: async (policy, body, call, tx) => {
      policy.replace(body, call.at);
      await ensureSchedulesExist(tx.manager, call.auth.tenantId, policy);
    },
    toDto: (saved) => policyView(saved.aggregate.toSnapshot(), saved.version),
  });

  deleteRoute(app, ctx, {
    url: `${POLICIES_URL}/:id`,
    tags: POLICY_TAGS,
    summary: 'Delete an escalation policy',
    description:
      'Deletes the policy. Rules that name it open incidents on the default policy from then on; incidents already open keep escalating along the steps they copied.',
    store: policies,
  });

  createRoute(app, ctx, {
    url: SCHEDULES_URL,
    scope: 'write',
    tags: SCHEDULE_TAGS,
    summary: 'Create an on-call schedule',
    description:
      'Rotation layers (members taking turns of rotationLength hours, days or weeks, handing off at handoffTime in an IANA time zone, DST-correct) and overrides. Escalation policy steps name schedules; a step pages whoever is on call when it escalates. A name taken in the tenant answers 409.',
    body: scheduleBody,
    response: scheduleSchema,
    domainCodes: SCHEDULE_DOMAIN_CODES,
    store: schedules,
    create: (body, call) =>
      Schedule.create({
        ...body,
        scheduleId: randomUUID(),
        tenantId: call.auth.tenantId,
        at: call.at,
      }),
    toDto: (saved) => scheduleView(saved.aggregate.toSnapshot(), saved.version),
  });

  listRoute(app, {
    url: SCHEDULES_URL,
    tags: SCHEDULE_TAGS,
    summary: 'List on-call schedules',
    description: "The tenant's schedules, newest first (createdAt, then id).",
    querystring: pageQuery,
    item: scheduleSchema,
    list: (tenantId, query) => listSchedules(ctx.dataSource, tenantId, query),
  });

  getRoute(app, {
    url: `${SCHEDULES_URL}/:id`,
    tags: SCHEDULE_TAGS,
    summary: 'Get an on-call schedule',
    description: 'One schedule, with ETag "<version>" for If-Match.',
    resource: 'schedule',
    response: scheduleSchema,
    find: (tenantId, id) => findSchedule(ctx.dataSource, tenantId, id),
    versionOf: (schedule) => schedule.version,
  });

  getRoute(app, {
    url: `${SCHEDULES_URL}/:id/on-call`,
    tags: SCHEDULE_TAGS,
    summary: 'Who is on call',
    description:
      'Who the schedule puts on call at `at` (default now): an override covering the instant, else the last layer whose rotation covers it, else nobody (member null), with the turn or override that puts them there.',
    resource: 'schedule',
    querystring: onCallQuery,
    response: onCallSchema,
    find: (tenantId, id, query) =>
      onCallOf(
        ctx.dataSource,
        tenantId,
        id,
        query.at === undefined ? ctx.clock() : Date.parse(query.at),
      ),
  });

  commandRoute(app, ctx, {
    url: `${SCHEDULES_URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: SCHEDULE_TAGS,
    summary: 'Replace an on-call schedule',
    description:
      'Replaces name, layers and overrides (add or drop an override by sending the list you want); a replacement that changes nothing keeps the version.',
    body: scheduleBody,
    response: scheduleSchema,
    domainCodes: SCHEDULE_DOMAIN_CODES,
    store: schedules,
    run: (schedule, body, call) => schedule.replace(body, call.at),
    toDto: (saved) => scheduleView(saved.aggregate.toSnapshot(), saved.version),
  });

  deleteRoute(app, ctx, {
    url: `${SCHEDULES_URL}/:id`,
    tags: SCHEDULE_TAGS,
    summary: 'Delete an on-call schedule',
    description:
      'Deletes a schedule no escalation policy names (else 422 `schedule.in_use`: change the policies first). Incidents that copied a step naming it page nobody for it.',
    store: schedules,
    domainCodes: ['schedule.in_use'],
    remove: async (schedule, call, tx) => {
      if (await policiesNamingSchedule(tx.manager, call.auth.tenantId, schedule.id)) {
        throw new DomainError('schedule.in_use', 'an escalation policy still names this schedule', {
          scheduleId: schedule.id,
        });
      }
    },
  });
}

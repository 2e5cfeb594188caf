import { randomUUID } from 'node:crypto';
import { DomainError, Incident, executeIncidentCommand, type IncidentCommand } from '@obs/domain';
import {
  commandRoute,
  createRoute,
  getRoute,
  listRoute,
  notFound,
  type Call,
  type ServiceContext,
  type Transaction,
  type Versioned,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { IncidentServiceConfig } from '../config.js';
import { findIncident, listIncidents, listTimeline } from '../incident.queries.js';
import { onCallLookup, policyById } from '../on-call.queries.js';
import type { IncidentStore } from '../incident.repository.js';
import { viewOfSnapshot, type IncidentView } from '../incident.view.js';
import {
  commandBody,
  createIncidentBody,
  idParams,
  incidentSchema,
  listQuery,
  postmortemNoteBody,
  resolveBody,
  timelineEventSchema,
  timelineQuery,
} from './incident.schemas.js';

const TAGS = ['incidents'];
/** Every lifecycle command can meet these refusals of the domain. */
const LIFECYCLE_CODES = [
  'incident.illegal_transition',
  'incident.resolved_immutable',
  'incident.invalid_note',
];

type IncidentDto = z.output<typeof incidentSchema>;

function toDto(view: IncidentView): IncidentDto {
  return {
    ...view,
    dimensions: view.dimensions === null ? null : { ...view.dimensions },
    escalationSteps: view.escalationSteps.map(({ receiverIds, scheduleIds, ...step }) => ({
      ...step,
      ...(receiverIds === undefined ? {} : { receiverIds: [...receiverIds] }),
      ...(scheduleIds === undefined ? {} : { scheduleIds: [...scheduleIds] }),
    })),
  };
}

const savedDto = (saved: Versioned<Incident>): IncidentDto =>
  toDto(viewOfSnapshot(saved.aggregate.toSnapshot(), saved.version));

/**
 * Thin routes: the kit's create and command routes carry tenancy, If-Match, the unit of work and
 * the documented problems; what is left here is each route's schema, domain call and DTO.
 */
export function incidentRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: IncidentStore,
  config: IncidentServiceConfig,
): void {
  createRoute(app, ctx, {
    url: '/v1/incidents',
    scope: 'write',
    tags: TAGS,
    summary: 'Open an incident by hand',
    description:
      "Opens a manual incident (source manual, status open) and emits the public IncidentOpened on obs.incident.v1 with the incident traceId. escalationPolicyId makes it follow one of the tenant's escalation policies (its steps, every round, are copied); else escalationSteps; without either the service default policy applies.",
    body: createIncidentBody,
    response: incidentSchema,
    domainCodes: [
      'incident.title_required',
      'trace.invalid_trace_id',
      'incident.invalid_escalation',
      'incident.tenant_mismatch',
      'incident.unknown_escalation_policy',
    ],
    store,
    create: async (body, call) => {
      const policy =
        body.escalationPolicyId === undefined || body.escalationPolicyId === null
          ? undefined
          : await policyById(ctx.dataSource.manager, call.auth.tenantId, body.escalationPolicyId);
      if (body.escalationPolicyId != null && (policy === undefined || body.escalationSteps)) {
        throw new DomainError(
          'incident.unknown_escalation_policy',
          body.escalationSteps
            ? 'give escalationSteps or escalationPolicyId, not both'
            : 'escalationPolicyId names no escalation policy of the tenant',
          { escalationPolicyId: body.escalationPolicyId },
        );
      }
      return Incident.create({
        incidentId: randomUUID(),
        tenantId: call.auth.tenantId,
        projectId: body.projectId,
        moduleId: body.moduleId ?? null,
        title: body.title,
        severity: body.severity,
        source: 'manual',
        traceId: body.traceId ?? null,
        // The token's tenant unless the body names one (then the domain checks they agree).
        dimensions: body.dimensions
          ? { ...body.dimensions, tenantId: body.dimensions.tenantId ?? call.auth.tenantId }
          : null,
        openedAt: call.at,
        openedBy: call.auth.subject,
        escalationSteps: policy?.incidentSteps() ?? body.escalationSteps ?? config.escalationPolicy,
        escalationPolicyId: policy?.id ?? null,
      });
    },
    toDto: savedDto,
  });

  listRoute(app, {
    url: '/v1/incidents',
    tags: TAGS,
    summary: 'List incidents',
    description:
      "Lists the caller's incidents, newest first (openedAt, then id), filtered by status, severity, projectId and source.",
    querystring: listQuery,
    item: incidentSchema,
    list: async (tenantId, { limit, cursor, ...filter }) => {
      const page = await listIncidents(ctx.dataSource, tenantId, filter, { limit, cursor });
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  });

  getRoute(app, {
    url: '/v1/incidents/:id',
    tags: TAGS,
    summary: 'Get an incident',
    description: 'One incident of the caller\'s tenant, with ETag "<version>" for If-Match.',
    resource: 'incident',
    params: idParams,
    response: incidentSchema,
    find: async (tenantId, id) => {
      const view = await findIncident(ctx.dataSource, tenantId, id);
      return view && toDto(view);
    },
    versionOf: (incident) => incident.version,
  });

  listRoute(app, {
    url: '/v1/incidents/:id/events',
    tags: TAGS,
    summary: 'Get the timeline',
    description:
      'The incident timeline (IncidentEvent: timestamp, type, actor, note), oldest first: opened, status changes, escalations, alert/SLO recurrences, post-mortem notes.',
    params: idParams,
    querystring: timelineQuery,
    item: timelineEventSchema,
    statuses: [404],
    list: async (tenantId, query, { id = '' }) => {
      const page = await listTimeline(ctx.dataSource, tenantId, id, query);
      if (!page) throw notFound('incident', id);
      return page;
    },
  });

  /** A lifecycle verb or the post-mortem note, as a kit command route. */
  const command = <B extends z.ZodType>(route: {
    verb: string;
    summary: string;
    description: string;
    body: B;
    domainCodes: readonly string[];
    command: (
      body: z.output<B>,
      call: Call,
      incident: Incident,
      tx: Transaction,
    ) => IncidentCommand | Promise<IncidentCommand>;
  }): void =>
    commandRoute(app, ctx, {
      url: `/v1/incidents/:id/${route.verb}`,
      scope: 'write',
      tags: TAGS,
      summary: route.summary,
      description: route.description,
      body: route.body,
      response: incidentSchema,
      domainCodes: route.domainCodes,
      store,
      run: async (incident, body, call, tx) =>
        executeIncidentCommand(incident, await route.command(body, call, incident, tx)),
      toDto: savedDto,
    });

  command({
    verb: 'acknowledge',
    summary: 'Acknowledge an incident',
    description:
      'open → acknowledged: someone owns the incident and automatic escalation stops. Body { actor, note? }. Emits the internal IncidentAcknowledged.',
    body: commandBody,
    domainCodes: LIFECYCLE_CODES,
    command: (body, call) => ({
      type: 'acknowledge',
      actor: body.actor,
      note: body.note,
      at: call.at,
    }),
  });
  command({
    verb: 'investigate',
    summary: 'Start investigating',
    description:
      'acknowledged → investigating, or mitigated → investigating when the mitigation did not hold. Body { actor, note? }.',
    body: commandBody,
    domainCodes: LIFECYCLE_CODES,
    command: (body, call) => ({
      type: 'investigate',
      actor: body.actor,
      note: body.note,
      at: call.at,
    }),
  });
  command({
    verb: 'mitigate',
    summary: 'Mark an incident mitigated',
    description:
      'investigating → mitigated: the impact is contained, the cause not yet fixed. Body { actor, note? }.',
    body: commandBody,
    domainCodes: LIFECYCLE_CODES,
    command: (body, call) => ({
      type: 'mitigate',
      actor: body.actor,
      note: body.note,
      at: call.at,
    }),
  });
  command({
    verb: 'resolve',
    summary: 'Resolve an incident',
    description:
      'Any unresolved status → resolved. Body { actor, rootCause, note? }; rootCause is required by the domain. Emits the public IncidentResolved on obs.incident.v1. Afterwards only post-mortem notes are accepted.',
    body: resolveBody,
    domainCodes: [...LIFECYCLE_CODES, 'incident.root_cause_required'],
    command: (body, call) => ({
      type: 'resolve',
      actor: body.actor,
      rootCause: body.rootCause ?? '',
      note: body.note,
      at: call.at,
    }),
  });
  command({
    verb: 'escalate',
    summary: 'Escalate now',
    description:
      'Pages the next unused escalation step now, whatever its delay, in any unresolved status. Body { actor, note? }. Emits the internal IncidentEscalated.',
    body: commandBody,
    domainCodes: [...LIFECYCLE_CODES, 'incident.no_escalation_step'],
    command: async (body, call, incident, tx) => ({
      type: 'escalate',
      actor: body.actor,
      note: body.note,
      at: call.at,
      // A policy step pages whoever its schedules put on call now.
      onCall: await onCallLookup(tx.manager, call.auth.tenantId, incident.pendingScheduleIds()),
    }),
  });
  command({
    verb: 'postmortem-notes',
    summary: 'Add a post-mortem note',
    description:
      'Appends a post-mortem note to the timeline: the only change a resolved incident accepts. Body { actor, note }.',
    body: postmortemNoteBody,
    domainCodes: ['incident.not_resolved', 'incident.note_required', 'incident.invalid_note'],
    command: (body, call) => ({
      type: 'addPostmortemNote',
      actor: body.actor,
      note: body.note,
      at: call.at,
    }),
  });
}

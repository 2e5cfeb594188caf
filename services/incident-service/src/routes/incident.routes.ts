import { randomUUID } from 'node:crypto';
import {
  Incident,
  executeIncidentCommand,
  type IncidentCommand,
  type IncidentEvent,
} from '@obs/domain';
import {
  assertVersion,
  ifMatchVersion,
  notFound,
  setEtag,
  type Page,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { IncidentServiceConfig } from '../config.js';
import { findIncident, listIncidents, listTimeline } from '../incident.queries.js';
import type { IncidentRepository } from '../incident.repository.js';
import { viewOfSnapshot, type IncidentView } from '../incident.view.js';
import {
  commandBody,
  createIncidentBody,
  idParams,
  incidentPageSchema,
  incidentSchema,
  listQuery,
  postmortemNoteBody,
  problems,
  resolveBody,
  timelinePageSchema,
  timelineQuery,
} from './incident.schemas.js';

const TAGS = ['incidents'];

interface CommandRoute<B> {
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  readonly body: z.ZodType<B>;
  /** The domain command for this body at command time `at`. */
  readonly command: (body: B, at: string) => IncidentCommand;
}

const COMMAND_PROBLEMS = problems(400, 404, 409, 413, 415, 422);

type IncidentDto = z.output<typeof incidentSchema>;
type TimelineDto = z.output<typeof timelinePageSchema>;

function toDto(view: IncidentView): IncidentDto {
  return {
    ...view,
    dimensions: view.dimensions === null ? null : { ...view.dimensions },
    escalationSteps: view.escalationSteps.map((step) => ({ ...step })),
  };
}

function toTimelineDto(page: Page<IncidentEvent>): TimelineDto {
  return { items: page.items.map((line) => ({ ...line })), nextCursor: page.nextCursor };
}

/**
 * Thin routes: parse → load (tenant from the token) → domain intent → save + outbox in one
 * transaction → DTO. Invariants live in the domain (422 with its code); the kit maps errors.
 */
export function incidentRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  repository: IncidentRepository,
  config: IncidentServiceConfig,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const commandTime = (): string => new Date(ctx.clock()).toISOString();

  r.post(
    '/v1/incidents',
    {
      config: { scope: 'write' },
      schema: {
        tags: TAGS,
        summary: 'Open an incident by hand',
        description:
          'Opens a manual incident (source manual, status open) and emits the public IncidentOpened on obs.incident.v1 with the incident traceId. Without escalationSteps the service default policy applies. Needs the write scope. 201 with the incident and a Location header; 422 with the invariant code when the domain refuses (e.g. incident.title_required, trace.invalid_trace_id, incident.invalid_escalation, incident.tenant_mismatch).',
        body: createIncidentBody,
        response: { 201: incidentSchema, ...problems(400, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const incident = Incident.create({
        incidentId: randomUUID(),
        tenantId: request.auth.tenantId,
        projectId: body.projectId,
        moduleId: body.moduleId ?? null,
        title: body.title,
        severity: body.severity,
        source: 'manual',
        traceId: body.traceId ?? null,
        dimensions: body.dimensions ?? null,
        openedAt: commandTime(),
        openedBy: request.auth.subject,
        escalationSteps: body.escalationSteps ?? config.escalationPolicy,
      });
      const version = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        const saved = await repository.save(tx, incident, 0);
        await tx.publish(incident.pullEvents(), saved);
        return saved;
      });
      setEtag(reply, version);
      return reply
        .code(201)
        .header('location', `/v1/incidents/${incident.id}`)
        .send(toDto(viewOfSnapshot(incident.toSnapshot(), version)));
    },
  );

  r.get(
    '/v1/incidents',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'List incidents',
        description:
          "Lists the caller's incidents, newest first (openedAt, then id), filtered by status, severity, projectId and source. Keyset paging: pass nextCursor as cursor. Needs the read scope.",
        querystring: listQuery,
        response: { 200: incidentPageSchema, ...problems(400) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await listIncidents(ctx.dataSource, request.auth.tenantId, filter, {
        limit,
        cursor,
      });
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/v1/incidents/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get an incident',
        description:
          'One incident of the caller\'s tenant, with ETag "<version>" for If-Match. Another tenant\'s id answers 404. Needs the read scope.',
        params: idParams,
        response: { 200: incidentSchema, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const view = await findIncident(ctx.dataSource, request.auth.tenantId, request.params.id);
      if (!view) throw notFound('incident', request.params.id);
      setEtag(reply, view.version);
      return toDto(view);
    },
  );

  r.get(
    '/v1/incidents/:id/events',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get the timeline',
        description:
          'The incident timeline (IncidentEvent: timestamp, type, actor, note), oldest first: opened, status changes, escalations, alert/SLO recurrences, post-mortem notes. Keyset paging with limit and cursor. Needs the read scope.',
        params: idParams,
        querystring: timelineQuery,
        response: { 200: timelinePageSchema, ...problems(400, 404) },
      },
    },
    async (request) => {
      const page = await listTimeline(
        ctx.dataSource,
        request.auth.tenantId,
        request.params.id,
        request.query,
      );
      if (!page) throw notFound('incident', request.params.id);
      return toTimelineDto(page);
    },
  );

  /** A lifecycle verb or the post-mortem note: load, check If-Match, run, save + outbox. */
  const command = <B>(route: CommandRoute<B>): void => {
    r.post(
      `/v1/incidents/:id/${route.path}`,
      {
        config: { scope: 'write' },
        schema: {
          tags: TAGS,
          summary: route.summary,
          description: `${route.description} Optional If-Match "<version>": a stale one answers 409. Needs the write scope. 200 with the updated incident and its new ETag.`,
          params: idParams,
          body: route.body,
          response: { 200: incidentSchema, ...COMMAND_PROBLEMS },
        },
      },
      async (request, reply) => {
        const expected = ifMatchVersion(request);
        const body = request.body as B;
        const domainCommand = route.command(body, commandTime());
        const view = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
          const loaded = await repository.load(request.auth.tenantId, request.params.id, tx);
          if (!loaded) throw notFound('incident', request.params.id);
          assertVersion(expected, loaded.version);
          const incident = loaded.incident;
          executeIncidentCommand(incident, domainCommand);
          const version = await repository.save(tx, incident, loaded.version);
          await tx.publish(incident.pullEvents(), version);
          return viewOfSnapshot(incident.toSnapshot(), version);
        });
        setEtag(reply, view.version);
        return toDto(view);
      },
    );
  };

  command({
    path: 'acknowledge',
    summary: 'Acknowledge an incident',
    description:
      'open → acknowledged: someone owns the incident and automatic escalation stops. Body { actor, note? }. Emits the internal IncidentAcknowledged. Any other status answers 422 incident.illegal_transition (a resolved incident incident.resolved_immutable).',
    body: commandBody,
    command: (body, at) => ({ type: 'acknowledge', actor: body.actor, note: body.note, at }),
  });
  command({
    path: 'investigate',
    summary: 'Start investigating',
    description:
      'acknowledged → investigating, or mitigated → investigating when the mitigation did not hold. Body { actor, note? }. Other statuses answer 422 incident.illegal_transition.',
    body: commandBody,
    command: (body, at) => ({ type: 'investigate', actor: body.actor, note: body.note, at }),
  });
  command({
    path: 'mitigate',
    summary: 'Mark an incident mitigated',
    description:
      'investigating → mitigated: the impact is contained, the cause not yet fixed. Body { actor, note? }. Other statuses answer 422 incident.illegal_transition.',
    body: commandBody,
    command: (body, at) => ({ type: 'mitigate', actor: body.actor, note: body.note, at }),
  });
  command({
    path: 'resolve',
    summary: 'Resolve an incident',
    description:
      'Any unresolved status → resolved. Body { actor, rootCause, note? }; rootCause is required by the domain (422 incident.root_cause_required when missing or blank). Emits the public IncidentResolved on obs.incident.v1. Afterwards only post-mortem notes are accepted (422 incident.resolved_immutable).',
    body: resolveBody,
    command: (body, at) => ({
      type: 'resolve',
      actor: body.actor,
      rootCause: body.rootCause ?? '',
      note: body.note,
      at,
    }),
  });
  command({
    path: 'escalate',
    summary: 'Escalate now',
    description:
      'Pages the next unused escalation step now, whatever its delay, in any unresolved status. Body { actor, note? }. Emits the internal IncidentEscalated. 422 incident.no_escalation_step when every step is used.',
    body: commandBody,
    command: (body, at) => ({ type: 'escalate', actor: body.actor, note: body.note, at }),
  });
  command({
    path: 'postmortem-notes',
    summary: 'Add a post-mortem note',
    description:
      'Appends a post-mortem note to the timeline: the only change a resolved incident accepts. Body { actor, note }. Before resolution it answers 422 incident.not_resolved; a blank note 422 incident.note_required.',
    body: postmortemNoteBody,
    command: (body, at) => ({ type: 'addPostmortemNote', actor: body.actor, note: body.note, at }),
  });
}

import { randomUUID } from 'node:crypto';
import { SloDefinition, sli as toSli, type SloDefinitionFields } from '@obs/domain';
import {
  commandRoute,
  createRoute,
  deleteRoute,
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
import { settledBefore, type SloServiceConfig } from '../config.js';
import { findSlo, findSloStatus, listBurnEvents, listSlos } from '../slo.queries.js';
import type { SloStore } from '../slo-definition.repository.js';
import { dropSamples } from '../slo-evaluator.js';
import { observe } from '../slo-observation.js';
import { viewOfSnapshot, type SloView } from '../slo.view.js';
import {
  burnEventSchema,
  burnEventsQuery,
  idParams,
  listQuery,
  maintenanceWindowBody,
  sloDefinitionBody,
  sloSchema,
  sloStatusSchema,
} from './slo.schemas.js';

const TAGS = ['slos'];
export const SLOS_URL = '/v1/slos';

/** What create, update and import can meet in the domain. */
export const DEFINITION_CODES = [
  'slo.invalid_target',
  'slo.invalid_window',
  'slo.name_required',
  'slo.project_required',
  'slo.invalid_indicator',
  'slo.invalid_burn_rate_alerts',
  'slo.invalid_quality_dimension',
];

type SloDto = z.output<typeof sloSchema>;

export function toDto(view: SloView): SloDto {
  return {
    ...view,
    sli: { ...view.sli, filter: { ...view.sli.filter } },
    maintenanceWindows: view.maintenanceWindows.map((w) => ({ ...w })),
    burnRateAlerts: {
      enabled: view.burnRateAlerts.enabled,
      receivers: [...view.burnRateAlerts.receivers],
    },
  };
}

export const savedDto = (saved: Versioned<SloDefinition>): SloDto =>
  toDto(viewOfSnapshot(saved.aggregate.toSnapshot(), saved.version));

export type DefinitionBody = z.output<typeof sloDefinitionBody>;

export function fieldsOf(body: DefinitionBody): SloDefinitionFields {
  return {
    name: body.name,
    projectId: body.projectId,
    target: body.target,
    windowMinutes: body.windowMinutes,
    indicator: { ...body.sli, filter: body.sli.filter ?? {} },
    // A definition replaces the whole settings: what the body leaves out takes its default.
    burnRateAlerts: {
      enabled: body.burnRateAlerts?.enabled ?? true,
      receivers: body.burnRateAlerts?.receivers ?? [],
    },
    qualityDimension: body.qualityDimension ?? null,
  };
}

export function newSlo(fields: SloDefinitionFields, call: Call): SloDefinition {
  return SloDefinition.create({
    ...fields,
    sloId: randomUUID(),
    tenantId: call.auth.tenantId,
    createdAt: call.at,
  });
}

/**
 * PUT: a new definition. Samples counted under another indicator or project are dropped (they
 * measured other events); then an SLO already evaluated is re-evaluated at once under the new
 * target, window and indicator, so its status never shows the old definition.
 */
async function redefine(
  ctx: ServiceContext,
  config: SloServiceConfig,
  tx: Transaction,
  slo: SloDefinition,
  fields: SloDefinitionFields,
): Promise<void> {
  const before = slo.toSnapshot();
  const indicator = toSli(fields.indicator);
  if (
    JSON.stringify(indicator) !== JSON.stringify(before.indicator) ||
    fields.projectId !== before.projectId
  ) {
    await dropSamples(ctx, tx, before.sloId);
  }
  const observation =
    before.lastEvaluatedAt === null
      ? undefined
      : await observe(
          ctx,
          tx,
          { ...before, windowMinutes: fields.windowMinutes },
          before.lastEvaluatedAt,
          settledBefore(ctx.clock(), config),
        );
  slo.redefine({ ...fields, indicator }, observation);
}

/**
 * Thin routes: tenancy, If-Match, the unit of work and the documented problems come from the kit;
 * what is left here is each route's schema, domain call and DTO.
 */
export function sloRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: SloStore,
  config: SloServiceConfig,
): void {
  createRoute(app, ctx, {
    url: SLOS_URL,
    scope: 'write',
    tags: TAGS,
    summary: 'Define an SLO',
    description:
      'Defines an SLO over a ratio SLI (good/total from two metrics) or a latency SLI (a percentile of a histogram metric against a threshold). It starts healthy with its whole error budget and is evaluated from every 1m MetricAggregated window of its metrics in its project; its multiwindow burn-rate alerts (SloBurnRateAlertFired/Resolved) are on unless burnRateAlerts.enabled is false. A name already used in the project answers 409.',
    body: sloDefinitionBody,
    response: sloSchema,
    domainCodes: DEFINITION_CODES,
    store,
    create: (body, call) => newSlo(fieldsOf(body), call),
    toDto: savedDto,
  });

  listRoute(app, {
    url: SLOS_URL,
    tags: TAGS,
    summary: 'List SLOs',
    description:
      "Lists the caller's SLOs, newest first (createdAt, then id), filtered by projectId and status.",
    querystring: listQuery,
    item: sloSchema,
    list: async (tenantId, { limit, cursor, ...filter }) => {
      const page = await listSlos(ctx.dataSource, tenantId, filter, { limit, cursor });
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  });

  getRoute(app, {
    url: `${SLOS_URL}/:id`,
    tags: TAGS,
    summary: 'Get an SLO',
    description:
      'One SLO of the caller\'s tenant with ETag "<version>" for If-Match; a malformed id answers 400.',
    resource: 'slo',
    params: idParams,
    response: sloSchema,
    find: async (tenantId, id) => {
      const view = await findSlo(ctx.dataSource, tenantId, id);
      return view && toDto(view);
    },
    versionOf: (dto) => dto.version,
  });

  commandRoute(app, ctx, {
    url: `${SLOS_URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: TAGS,
    summary: 'Redefine an SLO',
    description:
      'Replaces the definition (name, projectId, target, windowMinutes, sli, burnRateAlerts: left out means on, no receivers; turning them off resolves the alerts firing). A changed sli or projectId drops the windows counted so far; an SLO evaluated before is re-evaluated at once at its last evaluation time under the new definition (a breach it then shows emits SloBreached, unless it was breached already). A name already used in the project answers 409.',
    body: sloDefinitionBody,
    response: sloSchema,
    domainCodes: DEFINITION_CODES,
    store,
    run: (slo, body, _call, tx) => redefine(ctx, config, tx, slo, fieldsOf(body)),
    toDto: savedDto,
  });

  // Its counted windows go with it (slo_samples: ON DELETE CASCADE); the rest is on its row.
  deleteRoute(app, ctx, {
    url: `${SLOS_URL}/:id`,
    tags: TAGS,
    summary: 'Delete an SLO',
    description:
      'Deletes the SLO with its counted windows, burn history and maintenance windows; it is never evaluated again and its id answers 404 afterwards. An incident it opened stays.',
    store,
  });

  getRoute(app, {
    url: `${SLOS_URL}/:id/status`,
    tags: TAGS,
    summary: 'Get the budget status',
    description:
      'The SLO at its last evaluation: status, error budget and budgetRemaining, bad events over the rolling window, burn rates over 5m, 30m, 1h and 6h, the multi-window pairs firing (fast 1h & 5m ≥ 14.4×, slow 6h & 30m ≥ 6×) and the burn-rate alerts firing (activeBurnAlerts: page, ticket), with ETag "<version>".',
    resource: 'slo',
    params: idParams,
    response: sloStatusSchema,
    find: async (tenantId, id) => {
      const view = await findSloStatus(ctx.dataSource, tenantId, id);
      return (
        view && {
          ...view,
          burnRates: { ...view.burnRates },
          firingAlerts: [...view.firingAlerts],
          activeBurnAlerts: view.activeBurnAlerts.map((a) => ({ ...a, rules: [...a.rules] })),
        }
      );
    },
    versionOf: (dto) => dto.version,
  });

  listRoute(app, {
    url: `${SLOS_URL}/:id/burn-events`,
    tags: TAGS,
    summary: 'List budget burn events',
    description:
      'BudgetBurnEvents (timestamp, burnedPct), newest first: one per 5-minute bucket of event time, the latest evaluation in it, kept for the last 288 buckets (a day).',
    params: idParams,
    querystring: burnEventsQuery,
    item: burnEventSchema,
    statuses: [404],
    list: async (tenantId, query, { id = '' }) => {
      const page = await listBurnEvents(ctx.dataSource, tenantId, id, query);
      if (!page) throw notFound('slo', id);
      return page;
    },
  });

  commandRoute(app, ctx, {
    url: `${SLOS_URL}/:id/maintenance-windows`,
    scope: 'write',
    tags: TAGS,
    summary: 'Add a maintenance window',
    description:
      'Leaves [start, end) out of the error budget: every metric window overlapping it is excluded, past or future. An SLO evaluated before is re-evaluated at once without it. At most 100 windows per SLO.',
    body: maintenanceWindowBody,
    response: sloSchema,
    domainCodes: ['slo.invalid_maintenance_window', 'slo.too_many_maintenance_windows'],
    store,
    async run(slo, body, _call, tx) {
      slo.scheduleMaintenance({
        id: randomUUID(),
        start: body.start,
        end: body.end,
        reason: body.reason ?? null,
      });
      const at = slo.lastEvaluatedAt;
      if (at !== null) {
        const settled = settledBefore(ctx.clock(), config);
        slo.evaluate(await observe(ctx, tx, slo.toSnapshot(), at, settled), at);
      }
    },
    toDto: savedDto,
  });
}

import { AlertRule, type TenantId } from '@obs/domain';
import {
  assertVersion,
  ifMatchVersion,
  notFound,
  setEtag,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { findRule, knownMetrics, listMetrics, listRules } from '../alert-rule.queries.js';
import {
  dropEvaluation,
  loadEvaluation,
  type AlertRuleRepository,
} from '../alert-rule.repository.js';
import { ruleView } from '../alert-rule.view.js';
import type { AlertRuleServiceConfig } from '../config.js';
import {
  createRuleSchema,
  idParamsSchema,
  listQuerySchema,
  metricListSchema,
  replaceRuleSchema,
  rulePageSchema,
  ruleSchema,
  ruleStateSchema,
} from './alert-rule.schemas.js';

const TAGS = ['alert-rules'];

/** The facts only the application can know, resolved for the domain before it decides. */
async function contextFor(
  manager: EntityManager,
  repository: AlertRuleRepository,
  tenantId: TenantId,
  rule: {
    name: string;
    scope: { projectId: string; moduleId?: string | null };
    metric: string;
    exceptId?: string;
  },
) {
  return {
    knownMetrics: await knownMetrics(manager, tenantId, [rule.metric]),
    nameTaken: await repository.nameTaken(manager, {
      tenantId,
      name: rule.name,
      projectId: rule.scope.projectId,
      moduleId: rule.scope.moduleId ?? null,
      exceptId: rule.exceptId,
    }),
  };
}

export function alertRuleRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  repository: AlertRuleRepository,
  config: AlertRuleServiceConfig,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = (): string => new Date(ctx.clock()).toISOString();

  r.post(
    '/v1/alert-rules',
    {
      config: { scope: 'write' },
      schema: {
        tags: TAGS,
        summary: 'Create an alert rule',
        description:
          'Creates a rule over a metric the tenant reports. 422 `alert_rule.unresolvable_metric` for an unknown metric, 409 for a name taken in the scope.',
        body: createRuleSchema,
        response: { 201: ruleSchema },
      },
    },
    async (request, reply) => {
      const tenantId = request.auth.tenantId;
      const body = request.body;
      const row = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        const context = await contextFor(tx.manager, repository, tenantId, {
          ...body,
          metric: body.condition.metric,
        });
        const rule = AlertRule.create(
          { alertRuleId: crypto.randomUUID(), tenantId, ...body },
          context,
        );
        return repository.save(tx, rule, 0, now());
      });
      setEtag(reply, row.version);
      return reply.code(201).header('location', `/v1/alert-rules/${row.id}`).send(ruleView(row));
    },
  );

  r.get(
    '/v1/alert-rules',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'List alert rules',
        description:
          "The tenant's rules, newest first, filtered by `enabled`, `severity` and `metric`; cursor-paged.",
        querystring: listQuerySchema,
        response: { 200: rulePageSchema },
      },
    },
    async (request) => {
      const { enabled, severity, metric, limit, cursor } = request.query;
      const page = await listRules(ctx.dataSource, request.auth.tenantId, {
        enabled: enabled === undefined ? undefined : enabled === 'true',
        severity,
        metric,
        limit,
        cursor,
      });
      return { items: page.items.map(ruleView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/v1/alert-rules/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get an alert rule',
        description: 'One rule, with its version as ETag.',
        params: idParamsSchema,
        response: { 200: ruleSchema },
      },
    },
    async (request, reply) => {
      const row = await findRule(ctx.dataSource, request.auth.tenantId, request.params.id);
      if (!row) throw notFound('alert rule', request.params.id);
      setEtag(reply, row.version);
      return ruleView(row);
    },
  );

  r.put(
    '/v1/alert-rules/:id',
    {
      config: { scope: 'write' },
      schema: {
        tags: TAGS,
        summary: 'Replace an alert rule',
        description:
          'Replaces name, scope, condition, severity and actions. Send `If-Match: "<version>"`; a stale one answers 409. Changing the condition restarts evaluation.',
        params: idParamsSchema,
        body: replaceRuleSchema,
        response: { 200: ruleSchema },
      },
    },
    async (request, reply) => {
      const expected = ifMatchVersion(request);
      const tenantId = request.auth.tenantId;
      const row = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        const rule = await repository.load(tx.manager, tenantId, request.params.id);
        if (!rule) throw notFound('alert rule', request.params.id);
        assertVersion(expected, rule.version);
        const version = rule.version;
        const body = request.body;
        const context = await contextFor(tx.manager, repository, tenantId, {
          ...body,
          metric: body.condition.metric,
          exceptId: rule.id,
        });
        rule.update({ ...body, actions: body.actions ?? [] }, context);
        return repository.save(tx, rule, version, now());
      });
      setEtag(reply, row.version);
      return ruleView(row);
    },
  );

  r.delete(
    '/v1/alert-rules/:id',
    {
      config: { scope: 'write' },
      schema: {
        tags: TAGS,
        summary: 'Delete an alert rule',
        description:
          'Deletes the rule and its evaluation state; it never evaluates again. Optional If-Match.',
        params: idParamsSchema,
        response: { 204: z.null().describe('Deleted') },
      },
    },
    async (request, reply) => {
      const expected = ifMatchVersion(request);
      await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        const rule = await repository.load(tx.manager, request.auth.tenantId, request.params.id);
        if (!rule) throw notFound('alert rule', request.params.id);
        assertVersion(expected, rule.version);
        await repository.delete(tx.manager, request.auth.tenantId, rule.id);
      });
      return reply.code(204).send(null);
    },
  );

  for (const verb of ['enable', 'disable'] as const) {
    r.post(
      `/v1/alert-rules/:id/${verb}`,
      {
        config: { scope: 'write' },
        schema: {
          tags: TAGS,
          summary: `${verb === 'enable' ? 'Enable' : 'Disable'} an alert rule`,
          description:
            verb === 'enable'
              ? 'Enables the rule; evaluation starts afresh with the next window. Idempotent.'
              : 'Disables the rule: it never triggers and its pending/firing state is dropped. Idempotent.',
          params: idParamsSchema,
          response: { 200: ruleSchema },
        },
      },
      async (request, reply) => {
        const expected = ifMatchVersion(request);
        const row = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
          const rule = await repository.load(tx.manager, request.auth.tenantId, request.params.id);
          if (!rule) throw notFound('alert rule', request.params.id);
          assertVersion(expected, rule.version);
          const version = rule.version;
          if (verb === 'enable') {
            rule.enable();
          } else {
            rule.disable();
            // A disabled rule keeps no episode: re-enabling starts every group afresh.
            await dropEvaluation(tx.manager, rule.id);
          }
          return repository.save(tx, rule, version, now());
        });
        setEtag(reply, row.version);
        return ruleView(row);
      },
    );
  }

  r.get(
    '/v1/alert-rules/:id/state',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Evaluation state of an alert rule',
        description:
          'inactive / pending / firing per group key, with activeAt (when the condition started holding) and firedAt, as of every window received so far (late ones in their place). An episode that has met forMinutes but whose AlertTriggered still waits for the window before it to become final shows as pending. `lateWindows` counts windows ignored because they arrived after the lateness grace.',
        params: idParamsSchema,
        response: { 200: ruleStateSchema },
      },
    },
    async (request) =>
      ctx.dataSource.manager.transaction(async (manager) => {
        const rule = await repository.load(manager, request.auth.tenantId, request.params.id);
        if (!rule) throw notFound('alert rule', request.params.id);
        const evaluation = await loadEvaluation(manager, rule, config);
        return {
          alertRuleId: rule.id,
          enabled: rule.enabled,
          window: rule.toSnapshot().condition.window,
          lateWindows: evaluation.lateWindowsIgnored,
          groups: evaluation.groupStates(),
        };
      }),
  );

  r.get(
    '/v1/metrics',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['metrics'],
        summary: 'Metrics the tenant reports',
        description:
          'The metric catalogue rules resolve against, learnt from MetricAggregated events.',
        response: { 200: metricListSchema },
      },
    },
    async (request) => ({ items: await listMetrics(ctx.dataSource, request.auth.tenantId) }),
  );
}

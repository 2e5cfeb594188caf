import { randomUUID } from 'node:crypto';
import { AlertRule } from '@obs/domain';
import {
  commandRoute,
  createRoute,
  deleteRoute,
  getRoute,
  listRoute,
  notFound,
  type ServiceContext,
  type Versioned,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import { findRule, listRules, ruleContext } from '../alert-rule.queries.js';
import { readEvaluation, StoredAlertRule, type AlertRuleStore } from '../alert-rule.repository.js';
import { viewOfStored } from '../alert-rule.view.js';
import type { AlertRuleServiceConfig } from '../config.js';
import type { MetricCatalogue } from '../metric-catalogue.js';
import {
  createRuleSchema,
  idParamsSchema,
  listQuerySchema,
  noBodySchema,
  replaceRuleSchema,
  resolveQuerySchema,
  RULE_DOMAIN_CODES,
  ruleSchema,
  ruleStateSchema,
} from './alert-rule.schemas.js';

const TAGS = ['alert-rules'];
const RULES_URL = '/v1/alert-rules';

const savedDto = (saved: Versioned<StoredAlertRule>) => viewOfStored(saved.aggregate);

/**
 * Thin routes: the kit's routes carry tenancy, If-Match, the unit of work, paging and the
 * documented problems; what is left here is each route's schema, domain call and DTO.
 */
export function alertRuleRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: AlertRuleStore,
  config: AlertRuleServiceConfig,
  catalogue: MetricCatalogue,
): void {
  // Create and replace resolve the condition's metric first, against the metric catalogue with
  // the caller's token (?allowUnresolved=true accepts an unseen one): done here, before the row's
  // transaction, so no lock is held across the HTTP call. A hook because the kit's create and
  // command routes take no querystring, and a command's domain call runs under the row lock.
  app.addHook('onRoute', (route) => {
    const creates = route.method === 'POST' && route.url === RULES_URL;
    const replaces = route.method === 'PUT' && route.url === `${RULES_URL}/:id`;
    if ((creates || replaces) && route.schema) {
      route.schema.querystring = resolveQuerySchema;
      route.preHandler = async (request) => {
        if (replaces) {
          // Another tenant's (or no) rule is a 404 whatever its body names: checked first.
          const { id } = request.params as { id: string };
          if (!(await findRule(ctx.dataSource, request.auth.tenantId, id))) {
            throw notFound('alert rule', id);
          }
        }
        const body = request.body as { condition: { metric: string } };
        const query = request.query as { allowUnresolved?: string };
        await catalogue.resolve(
          body.condition.metric.trim(),
          request.headers.authorization,
          query.allowUnresolved === 'true',
        );
      };
    }
  });
  createRoute(app, ctx, {
    url: RULES_URL,
    scope: 'write',
    tags: TAGS,
    summary: 'Create an alert rule',
    description:
      "Creates a rule over a metric the tenant reports, resolved with the caller's token against metric-aggregation-service (GET /v1/metrics/{name}): an unseen metric answers 422 `alert_rule.metric_unresolvable` unless `?allowUnresolved=true`; the catalogue unreachable answers 503. 409 `alert_rule.name_not_unique` for a name taken in the scope (case-insensitive).",
    body: createRuleSchema,
    response: ruleSchema,
    domainCodes: RULE_DOMAIN_CODES,
    store,
    create: async (body, call) => {
      const context = await ruleContext(ctx.dataSource.manager, call.auth.tenantId, {
        ...body,
        metric: body.condition.metric,
      });
      const rule = AlertRule.create(
        { alertRuleId: randomUUID(), tenantId: call.auth.tenantId, ...body },
        context,
      );
      return StoredAlertRule.created(rule, call.at);
    },
    toDto: savedDto,
  });

  listRoute(app, {
    url: RULES_URL,
    tags: TAGS,
    summary: 'List alert rules',
    description:
      "The tenant's rules, newest first (createdAt, then id), filtered by `enabled`, `severity` and `metric`.",
    querystring: listQuerySchema,
    item: ruleSchema,
    list: (tenantId, { enabled, severity, metric, limit, cursor }) =>
      listRules(
        ctx.dataSource,
        tenantId,
        { enabled: enabled === undefined ? undefined : enabled === 'true', severity, metric },
        { limit, cursor },
      ),
  });

  getRoute(app, {
    url: `${RULES_URL}/:id`,
    tags: TAGS,
    summary: 'Get an alert rule',
    description: 'One rule of the caller\'s tenant, with ETag "<version>" for If-Match.',
    resource: 'alert rule',
    params: idParamsSchema,
    response: ruleSchema,
    find: (tenantId, id) => findRule(ctx.dataSource, tenantId, id),
    versionOf: (rule) => rule.version,
  });

  commandRoute(app, ctx, {
    url: `${RULES_URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: TAGS,
    summary: 'Replace an alert rule',
    description:
      'Replaces name, scope, condition, severity and actions (the metric resolved as on create, `?allowUnresolved=true` accepting an unseen one); a replacement that changes nothing keeps the version. Changing the condition restarts evaluation. A name taken in the scope answers 409.',
    body: replaceRuleSchema,
    response: ruleSchema,
    domainCodes: RULE_DOMAIN_CODES,
    store,
    run: async (stored, body, call, tx) => {
      const context = await ruleContext(tx.manager, call.auth.tenantId, {
        ...body,
        metric: body.condition.metric,
        exceptId: stored.rule.id,
      });
      stored.apply(call.at, (rule) =>
        rule.update({ ...body, actions: body.actions ?? [] }, context),
      );
    },
    toDto: savedDto,
  });

  // The rule's evaluation state goes with it (alert_evaluations: ON DELETE CASCADE).
  deleteRoute(app, ctx, {
    url: `${RULES_URL}/:id`,
    tags: TAGS,
    summary: 'Delete an alert rule',
    description: 'Deletes the rule and its evaluation state; it never evaluates again.',
    store,
  });

  for (const verb of ['enable', 'disable'] as const) {
    commandRoute(app, ctx, {
      url: `${RULES_URL}/:id/${verb}`,
      scope: 'write',
      tags: TAGS,
      summary: `${verb === 'enable' ? 'Enable' : 'Disable'} an alert rule`,
      description:
        verb === 'enable'
          ? 'Enables the rule; evaluation starts afresh with the next window. Idempotent: enabling an enabled rule keeps its version.'
          : 'Disables the rule: it never triggers and its pending/firing state is dropped. Idempotent: disabling a disabled rule keeps its version.',
      body: noBodySchema,
      response: ruleSchema,
      domainCodes: [],
      store,
      run: (stored, _body, call) =>
        stored.apply(call.at, (rule) => (verb === 'enable' ? rule.enable() : rule.disable())),
      toDto: savedDto,
    });
  }

  getRoute(app, {
    url: `${RULES_URL}/:id/state`,
    tags: TAGS,
    summary: 'Evaluation state of an alert rule',
    description:
      'inactive / pending / firing per group key, with activeAt (when the condition started holding) and firedAt, as of every window received so far (late ones in their place). An episode that has met forMinutes but whose AlertTriggered still waits for the window before it to become final shows as pending. `lateWindows` counts windows ignored because they arrived after the lateness grace.',
    resource: 'alert rule',
    params: idParamsSchema,
    response: ruleStateSchema,
    find: async (tenantId, id) => {
      const loaded = await store.load(tenantId, id);
      if (!loaded) return undefined;
      const { rule } = loaded.aggregate;
      const evaluation = await readEvaluation(ctx.dataSource.manager, rule, config);
      return {
        alertRuleId: rule.id,
        enabled: rule.enabled,
        window: rule.toSnapshot().condition.window,
        lateWindows: evaluation.lateWindowsIgnored,
        groups: evaluation.groupStates(),
      };
    },
  });
}

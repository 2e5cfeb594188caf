import { randomUUID } from 'node:crypto';
import { InhibitionRule } from '@obs/domain';
import {
  commandRoute,
  createRoute,
  deleteRoute,
  getRoute,
  listRoute,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import {
  findInhibitionRule,
  inhibitionRuleView,
  listInhibitionRules,
} from '../inhibition-rule.queries.js';
import type { InhibitionRuleStore } from '../inhibition-rule.repository.js';
import {
  INHIBITION_RULE_DOMAIN_CODES,
  inhibitionRuleBodySchema,
  inhibitionRuleListQuerySchema,
  inhibitionRuleSchema,
} from './inhibition-rule.schemas.js';

const URL = '/v1/inhibition-rules';
const TAGS = ['inhibition-rules'];

/** Inhibition rules, Alertmanager semantics, with the kit's routes. */
export function inhibitionRuleRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: InhibitionRuleStore,
): void {
  createRoute(app, ctx, {
    url: URL,
    scope: 'write',
    tags: TAGS,
    summary: 'Create an inhibition rule',
    description:
      "While one of the tenant's alerts matching sourceMatchers fires, an alert that fires matching targetMatchers, with the same values of the `equal` labels, is muted: it keeps its state, but its AlertTriggered carries inhibitedBy and no actions, no notification is queued and no incident is opened. An alert never inhibits itself. Checked when an alert fires or resolves, and again when its notification group is flushed.",
    body: inhibitionRuleBodySchema,
    response: inhibitionRuleSchema,
    domainCodes: INHIBITION_RULE_DOMAIN_CODES,
    store,
    create: (body, call) =>
      InhibitionRule.create({
        inhibitionRuleId: randomUUID(),
        tenantId: call.auth.tenantId,
        ...body,
        at: call.at,
      }),
    toDto: (saved) => inhibitionRuleView(saved.aggregate.toSnapshot(), saved.version),
  });

  listRoute(app, {
    url: URL,
    tags: TAGS,
    summary: 'List inhibition rules',
    description: "The tenant's inhibition rules, newest first (createdAt, then id).",
    querystring: inhibitionRuleListQuerySchema,
    item: inhibitionRuleSchema,
    list: (tenantId, query) => listInhibitionRules(ctx.dataSource, tenantId, query),
  });

  getRoute(app, {
    url: `${URL}/:id`,
    tags: TAGS,
    summary: 'Get an inhibition rule',
    description: 'One inhibition rule, with ETag "<version>" for If-Match.',
    resource: 'inhibition rule',
    response: inhibitionRuleSchema,
    find: (tenantId, id) => findInhibitionRule(ctx.dataSource, tenantId, id),
    versionOf: (rule) => rule.version,
  });

  commandRoute(app, ctx, {
    url: `${URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: TAGS,
    summary: 'Replace an inhibition rule',
    description:
      'Replaces the matchers, equal and comment. A replacement that changes nothing keeps the version. Applies to alerts that fire or resolve from now on.',
    body: inhibitionRuleBodySchema,
    response: inhibitionRuleSchema,
    domainCodes: INHIBITION_RULE_DOMAIN_CODES,
    store,
    run: (rule, body, call) => rule.replace(body, call.at),
    toDto: (saved) => inhibitionRuleView(saved.aggregate.toSnapshot(), saved.version),
  });

  deleteRoute(app, ctx, {
    url: `${URL}/:id`,
    tags: TAGS,
    summary: 'Delete an inhibition rule',
    description: 'Deletes the rule: alerts that fire from now on are no longer muted by it.',
    store,
  });
}

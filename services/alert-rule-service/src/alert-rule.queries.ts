import { isReceiverTarget, type AlertRuleContext } from '@obs/domain';
import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { AlertRuleEntity } from './alert-rule.repository.js';
import { ReceiverEntity } from './receiver.repository.js';
import { viewOfRow, type AlertRuleView } from './alert-rule.view.js';

/** Read models: plain queries over the tables, always within the caller's tenant. */

export interface RuleFilters {
  readonly enabled?: boolean;
  readonly severity?: string;
  readonly metric?: string;
}

/** One rule of the tenant as stored; another tenant's id is as unknown as a missing one. */
export async function findRule(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<AlertRuleView | undefined> {
  const row = await dataSource.getRepository(AlertRuleEntity).findOneBy({ id, tenantId });
  return row ? viewOfRow(row) : undefined;
}

/** The tenant's rules, newest first, keyset-paged on (created_at, id). */
export function listRules(
  dataSource: DataSource,
  tenantId: string,
  filters: RuleFilters,
  page: PageRequest,
): Promise<Page<AlertRuleView>> {
  const query = dataSource
    .getRepository(AlertRuleEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId', { tenantId });
  if (filters.enabled !== undefined)
    query.andWhere('r.enabled = :enabled', { enabled: filters.enabled });
  if (filters.severity !== undefined)
    query.andWhere('r.severity = :severity', { severity: filters.severity });
  if (filters.metric !== undefined)
    query.andWhere('r.metric = :metric', { metric: filters.metric });
  // created_at is written from the service clock in whole milliseconds, as the cursor holds it.
  return keysetPage(
    query,
    { sortColumn: 'r.created_at', sortType: 'timestamptz', idColumn: 'r.id', idType: 'uuid' },
    page,
    { toItem: viewOfRow, positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }) },
  );
}

/**
 * The facts only the application can know, resolved for the domain before it decides: the metric
 * (already resolved by the route against metric-aggregation-service's catalogue, or accepted with
 * allowUnresolved: see MetricCatalogue), and whether another rule of the tenant holds the name in the scope
 * (case-insensitive). Read through `manager`: inside a transaction, its own connection, since a
 * second pooled one per request would exhaust the pool under concurrent commands. The unique index
 * `alert_rules_name_uq` settles a race between two writers of one name (409).
 */
export async function ruleContext(
  manager: EntityManager,
  tenantId: string,
  rule: {
    readonly name: string;
    readonly scope: { readonly projectId: string; readonly moduleId?: string | null };
    readonly metric: string;
    /** The rule being changed, which may keep its own name. */
    readonly exceptId?: string;
    /** The actions as given: the receivers they name are looked up in the tenant. */
    readonly actions?: readonly { readonly type: string; readonly target: string }[];
  },
): Promise<AlertRuleContext> {
  const query = manager
    .getRepository(AlertRuleEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId AND r.scope_project_id = :projectId', {
      tenantId,
      projectId: rule.scope.projectId,
    })
    .andWhere("coalesce(r.scope_module_id, '') = :moduleId", {
      moduleId: rule.scope.moduleId ?? '',
    })
    .andWhere('lower(r.name) = lower(:name)', { name: rule.name.trim() });
  if (rule.exceptId !== undefined) query.andWhere('r.id <> :exceptId', { exceptId: rule.exceptId });
  const nameTaken = await query.getExists();
  const named = (rule.actions ?? [])
    .map((a) => ({ type: a.type, target: a.target.trim() }))
    .filter(isReceiverTarget)
    .map((a) => a.target.toLowerCase());
  const receivers =
    named.length === 0
      ? []
      : await manager
          .getRepository(ReceiverEntity)
          .find({ select: { id: true }, where: { tenantId, id: In(named) } });
  return {
    knownMetrics: new Set([rule.metric.trim()]),
    nameTaken,
    knownReceivers: new Set(receivers.map((r) => r.id)),
  };
}

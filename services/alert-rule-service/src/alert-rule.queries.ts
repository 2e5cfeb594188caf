import type { AlertRuleContext } from '@obs/domain';
import { keysetCursor, toKeysetPage, type Page, type ServiceContext } from '@obs/service-kit';
import type { DataSource } from 'typeorm';
import { AlertRuleEntity } from './alert-rule.repository.js';
import { viewOfRow, type AlertRuleView } from './alert-rule.view.js';

/** Read models: plain queries over the tables, always within the caller's tenant. */

export interface RuleFilters {
  readonly enabled?: boolean;
  readonly severity?: string;
  readonly metric?: string;
  readonly limit: number;
  readonly cursor?: string;
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
export async function listRules(
  dataSource: DataSource,
  tenantId: string,
  filters: RuleFilters,
): Promise<Page<AlertRuleView>> {
  const query = dataSource
    .getRepository(AlertRuleEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId', { tenantId })
    .orderBy('r.created_at', 'DESC')
    .addOrderBy('r.id', 'DESC')
    .limit(filters.limit + 1);
  if (filters.enabled !== undefined)
    query.andWhere('r.enabled = :enabled', { enabled: filters.enabled });
  if (filters.severity !== undefined)
    query.andWhere('r.severity = :severity', { severity: filters.severity });
  if (filters.metric !== undefined)
    query.andWhere('r.metric = :metric', { metric: filters.metric });
  // created_at is written from the service clock in whole milliseconds, as the cursor holds it.
  const after = keysetCursor.decode(filters.cursor);
  if (after) {
    query.andWhere('(r.created_at, r.id) < (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))', {
      createdAt: new Date(after.sortKey),
      id: after.id,
    });
  }
  const rows = await query.getMany();
  return toKeysetPage(rows.map(viewOfRow), filters.limit, (view) => ({
    sortKey: Date.parse(view.createdAt),
    id: view.id,
  }));
}

/**
 * The facts only the application can know, resolved for the domain before it decides: whether the
 * tenant reports the metric, and whether another rule of the tenant holds the name in the scope
 * (case-insensitive). Read outside the command's transaction; the unique index `alert_rules_name_uq`
 * settles a race between two creates (409).
 */
export async function ruleContext(
  ctx: ServiceContext,
  tenantId: string,
  rule: {
    readonly name: string;
    readonly scope: { readonly projectId: string; readonly moduleId?: string | null };
    readonly metric: string;
    /** The rule being changed, which may keep its own name. */
    readonly exceptId?: string;
  },
): Promise<AlertRuleContext> {
  const query = ctx.dataSource
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
  const [known, nameTaken] = await Promise.all([
    knownMetrics(ctx, tenantId, [rule.metric.trim()]),
    query.getExists(),
  ]);
  return { knownMetrics: known, nameTaken };
}

/** The metric names the tenant is known to report, as the domain's resolvability check takes them. */
async function knownMetrics(
  ctx: ServiceContext,
  tenantId: string,
  names: readonly string[],
): Promise<ReadonlySet<string>> {
  const rows: { metric_name: string }[] = await ctx.dataSource.query(
    `SELECT metric_name FROM ${ctx.table('known_metrics')} WHERE tenant_id = $1 AND metric_name = ANY($2)`,
    [tenantId, names],
  );
  return new Set(rows.map((r) => r.metric_name));
}

export async function listMetrics(
  ctx: ServiceContext,
  tenantId: string,
): Promise<{ name: string; firstSeenAt: string; lastSeenAt: string }[]> {
  const rows: { metric_name: string; first_seen_at: Date; last_seen_at: Date }[] =
    await ctx.dataSource.query(
      `SELECT metric_name, first_seen_at, last_seen_at FROM ${ctx.table('known_metrics')}
       WHERE tenant_id = $1 ORDER BY metric_name LIMIT 1000`,
      [tenantId],
    );
  return rows.map((r) => ({
    name: r.metric_name,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
  }));
}

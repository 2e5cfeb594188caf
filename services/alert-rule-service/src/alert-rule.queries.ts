import { decodeCursor, toPage, type Page } from '@obs/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import { AlertRuleEntity, type AlertRuleRow } from './alert-rule.repository.js';

export interface RuleFilters {
  readonly enabled?: boolean;
  readonly severity?: string;
  readonly metric?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** One rule of the tenant as stored; another tenant's id is as unknown as a missing one. */
export function findRule(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<AlertRuleRow | null> {
  return dataSource.getRepository(AlertRuleEntity).findOneBy({ id, tenantId });
}

/** The tenant's rules, newest first, keyset-paged on (created_at, id). */
export async function listRules(
  dataSource: DataSource,
  tenantId: string,
  filters: RuleFilters,
): Promise<Page<AlertRuleRow>> {
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
  const after = decodeCursor(filters.cursor);
  if (after) {
    query.andWhere('(r.created_at, r.id) < (:createdAt, :id)', {
      createdAt: new Date(after.sortKey),
      id: after.id,
    });
  }
  const rows = await query.getMany();
  return toPage(rows, filters.limit, (row) => ({
    sortKey: row.createdAt.toISOString(),
    id: row.id,
  }));
}

/** The metric names the tenant is known to report, as the domain's resolvability check takes them. */
export async function knownMetrics(
  manager: EntityManager,
  tenantId: string,
  names: readonly string[],
): Promise<ReadonlySet<string>> {
  const rows: { metric_name: string }[] = await manager.query(
    'SELECT metric_name FROM alert_rule.known_metrics WHERE tenant_id = $1 AND metric_name = ANY($2)',
    [tenantId, names],
  );
  return new Set(rows.map((r) => r.metric_name));
}

export async function listMetrics(
  dataSource: DataSource,
  tenantId: string,
): Promise<{ name: string; firstSeenAt: string; lastSeenAt: string }[]> {
  const rows: { metric_name: string; first_seen_at: Date; last_seen_at: Date }[] =
    await dataSource.query(
      'SELECT metric_name, first_seen_at, last_seen_at FROM alert_rule.known_metrics WHERE tenant_id = $1 ORDER BY metric_name LIMIT 1000',
      [tenantId],
    );
  return rows.map((r) => ({
    name: r.metric_name,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
  }));
}

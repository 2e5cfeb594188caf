import {
  AlertEvaluation,
  AlertRule,
  DEFAULT_ALERT_WINDOW,
  type AlertAction,
  type AlertCondition,
  type AlertEvaluationOptions,
  type AlertEvaluationSnapshot,
  type AlertRuleSnapshot,
  type LegacyAlertEvaluationSnapshot,
  type Severity,
  type WindowSize,
} from '@obs/domain';
import { saveVersioned, type Transaction } from '@obs/service-kit';
import { EntitySchema, type EntityManager } from 'typeorm';

/** The port routes and the evaluator use; they never see rows. */
export interface AlertRuleRepository {
  /** The tenant's rule, or undefined: another tenant's id is as unknown as a missing one. */
  load(manager: EntityManager, tenantId: string, id: string): Promise<AlertRule | undefined>;
  /**
   * Inserts (expectedVersion 0) or updates where still at `expectedVersion` (409 otherwise),
   * queues the rule's events, and returns the row as stored.
   */
  save(
    tx: Transaction,
    rule: AlertRule,
    expectedVersion: number,
    at: string,
  ): Promise<AlertRuleRow>;
  /** Deletes the rule and its evaluation state; false when the tenant has no such rule. */
  delete(manager: EntityManager, tenantId: string, id: string): Promise<boolean>;
  /** Whether another rule of the tenant holds the name in the scope (case-insensitive). */
  nameTaken(
    manager: EntityManager,
    rule: {
      tenantId: string;
      name: string;
      projectId: string;
      moduleId: string | null;
      exceptId?: string;
    },
  ): Promise<boolean>;
}

/**
 * The condition as the jsonb column holds it. Rows written before conditions named their window
 * have none, and meant 1m: the mapper reads them so (no migration rewrites the column).
 */
export type StoredCondition = Omit<AlertCondition, 'window'> & { readonly window?: WindowSize };

export interface AlertRuleRow {
  id: string;
  tenantId: string;
  name: string;
  scopeProjectId: string;
  scopeModuleId: string | null;
  metric: string;
  condition: StoredCondition;
  severity: Severity;
  actions: AlertAction[];
  enabled: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const AlertRuleEntity = new EntitySchema<AlertRuleRow>({
  name: 'AlertRule',
  tableName: 'alert_rules',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    scopeProjectId: { type: 'text', name: 'scope_project_id' },
    scopeModuleId: { type: 'text', name: 'scope_module_id', nullable: true },
    metric: { type: 'text' },
    condition: { type: 'jsonb' },
    severity: { type: 'text' },
    actions: { type: 'jsonb' },
    enabled: { type: 'boolean' },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export interface AlertEvaluationRow {
  ruleId: string;
  tenantId: string;
  state: AlertEvaluationSnapshot | LegacyAlertEvaluationSnapshot;
  updatedAt: Date;
}

export const AlertEvaluationEntity = new EntitySchema<AlertEvaluationRow>({
  name: 'AlertEvaluation',
  tableName: 'alert_evaluations',
  columns: {
    ruleId: { type: 'uuid', name: 'rule_id', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    state: { type: 'jsonb' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export function toRuleRow(
  snapshot: AlertRuleSnapshot,
  createdAt: Date,
  updatedAt: Date,
): AlertRuleRow {
  return {
    id: snapshot.alertRuleId,
    tenantId: snapshot.tenantId,
    name: snapshot.name,
    scopeProjectId: snapshot.scope.projectId,
    scopeModuleId: snapshot.scope.moduleId,
    metric: snapshot.condition.metric,
    condition: { ...snapshot.condition, groupBy: [...snapshot.condition.groupBy] },
    severity: snapshot.severity,
    actions: snapshot.actions.map((a) => ({ ...a })),
    enabled: snapshot.enabled,
    version: snapshot.version,
    createdAt,
    updatedAt,
  };
}

export function toRuleSnapshot(row: AlertRuleRow): AlertRuleSnapshot {
  return {
    alertRuleId: row.id,
    tenantId: row.tenantId,
    name: row.name,
    scope: { projectId: row.scopeProjectId, moduleId: row.scopeModuleId },
    condition: { ...row.condition, window: row.condition.window ?? DEFAULT_ALERT_WINDOW },
    severity: row.severity,
    actions: row.actions,
    enabled: row.enabled,
    version: row.version,
  };
}

export class TypeOrmAlertRuleRepository implements AlertRuleRepository {
  async load(manager: EntityManager, tenantId: string, id: string): Promise<AlertRule | undefined> {
    const row = await manager.getRepository(AlertRuleEntity).findOneBy({ id, tenantId });
    return row ? AlertRule.rehydrate(toRuleSnapshot(row)) : undefined;
  }

  async save(
    tx: Transaction,
    rule: AlertRule,
    expectedVersion: number,
    at: string,
  ): Promise<AlertRuleRow> {
    const snapshot = rule.toSnapshot();
    const existing =
      expectedVersion === 0
        ? undefined
        : await tx.manager
            .getRepository(AlertRuleEntity)
            .findOneBy({ id: snapshot.alertRuleId, tenantId: snapshot.tenantId });
    const now = new Date(at);
    const row = toRuleRow(snapshot, existing?.createdAt ?? now, now);
    // An unchanged rule (a no-op update, enabling an enabled rule) is not written again.
    if (expectedVersion === 0 || snapshot.version !== expectedVersion) {
      await saveVersioned(tx.manager, AlertRuleEntity, row, expectedVersion);
    }
    await tx.publish(rule.pullEvents(), snapshot.version);
    return expectedVersion !== 0 && snapshot.version === expectedVersion && existing
      ? existing
      : row;
  }

  async delete(manager: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const result = await manager.getRepository(AlertRuleEntity).delete({ id, tenantId });
    return (result.affected ?? 0) > 0;
  }

  async nameTaken(
    manager: EntityManager,
    rule: {
      tenantId: string;
      name: string;
      projectId: string;
      moduleId: string | null;
      exceptId?: string;
    },
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM alert_rule.alert_rules
       WHERE tenant_id = $1 AND scope_project_id = $2 AND coalesce(scope_module_id, '') = coalesce($3, '')
         AND lower(name) = lower($4) AND id <> coalesce($5::uuid, '00000000-0000-0000-0000-000000000000')
       LIMIT 1`,
      [rule.tenantId, rule.projectId, rule.moduleId, rule.name.trim(), rule.exceptId ?? null],
    );
    return rows.length > 0;
  }
}

/**
 * Evaluation state per rule, locked for the transaction that applies a window. The jsonb may be
 * in the format written before late windows were buffered; the domain reads both.
 */
export async function loadEvaluation(
  manager: EntityManager,
  rule: AlertRule,
  options: AlertEvaluationOptions = {},
): Promise<AlertEvaluation> {
  const rows: { state: AlertEvaluationSnapshot | LegacyAlertEvaluationSnapshot }[] =
    await manager.query(
      'SELECT state FROM alert_rule.alert_evaluations WHERE rule_id = $1 FOR UPDATE',
      [rule.id],
    );
  const state = rows[0]?.state;
  return state
    ? AlertEvaluation.rehydrate(rule, state, options)
    : AlertEvaluation.create(rule, options);
}

export async function saveEvaluation(
  manager: EntityManager,
  tenantId: string,
  evaluation: AlertEvaluation,
  at: Date,
): Promise<void> {
  const state = evaluation.toSnapshot();
  await manager.query(
    `INSERT INTO alert_rule.alert_evaluations (rule_id, tenant_id, state, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (rule_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
    [state.alertRuleId, tenantId, JSON.stringify(state), at],
  );
}

export async function dropEvaluation(manager: EntityManager, ruleId: string): Promise<void> {
  await manager.query('DELETE FROM alert_rule.alert_evaluations WHERE rule_id = $1', [ruleId]);
}

import {
  AlertEvaluation,
  AlertRule,
  DEFAULT_ALERT_WINDOW,
  type AlertAction,
  type AlertCondition,
  type AlertEvaluationOptions,
  type AlertEvaluationSnapshot,
  type AlertRuleSnapshot,
  type DomainEvent,
  type LegacyAlertEvaluationSnapshot,
  type Severity,
  type WindowSize,
} from '@obs/domain';
import { AggregateStore, type EventSource, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource, type EntityManager } from 'typeorm';
import { forgetFiring } from './notify/firing-alerts.js';

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

/**
 * A rule as the store keeps it: the aggregate plus the row's audit times, which the API shows and
 * the domain does not keep. Commands go through `apply`, which moves `updatedAt` only when the
 * rule took a new version (an update that changes nothing, or enabling an enabled rule, does not).
 */
export class StoredAlertRule implements EventSource {
  private constructor(
    readonly rule: AlertRule,
    readonly createdAt: string,
    private updated: string,
  ) {}

  static created(rule: AlertRule, at: string): StoredAlertRule {
    return new StoredAlertRule(rule, at, at);
  }

  static fromRow(row: AlertRuleRow): StoredAlertRule {
    return new StoredAlertRule(
      AlertRule.rehydrate(toRuleSnapshot(row)),
      row.createdAt.toISOString(),
      row.updatedAt.toISOString(),
    );
  }

  get updatedAt(): string {
    return this.updated;
  }

  apply(at: string, command: (rule: AlertRule) => void): void {
    const before = this.rule.version;
    command(this.rule);
    if (this.rule.version !== before) this.updated = at;
  }

  pullEvents(): readonly DomainEvent[] {
    return this.rule.pullEvents();
  }
}

/** The snapshot with the row's version: the domain's version and the store's are one number. */
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

export function toRuleRow(stored: StoredAlertRule, version: number): AlertRuleRow {
  const snapshot = stored.rule.toSnapshot();
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
    version,
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}

export type AlertRuleStore = AggregateStore<StoredAlertRule, AlertRuleRow>;

/**
 * The rule's store. One versioning model: the row's version counts saves, and the domain, which
 * bumps its own version only for a real change, is rehydrated at the row's version; a command
 * that left the rule's version where it was stored changed nothing, and nothing is written.
 */
export function alertRuleStore(dataSource: DataSource, uow: UnitOfWork): AlertRuleStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'alert rule',
    entity: AlertRuleEntity,
    toRow: toRuleRow,
    toAggregate: (row) => StoredAlertRule.fromRow(row),
    isUnchanged: (stored, storedVersion) => stored.rule.version === storedVersion,
    // A disabled rule keeps no evaluation state: re-enabling it starts every group afresh.
    async saveExtra(manager, stored) {
      if (!stored.rule.enabled) await dropEvaluation(manager, stored.rule.id);
    },
  });
}

/**
 * A rule's evaluation state, locked for the transaction that applies a window. The jsonb may be
 * in the format written before late windows were buffered; the domain reads both.
 */
export function loadEvaluation(
  manager: EntityManager,
  rule: AlertRule,
  options: AlertEvaluationOptions = {},
): Promise<AlertEvaluation> {
  return evaluationOf(manager, rule, options, true);
}

/** The same state read without a lock, for queries that do not change it. */
export function readEvaluation(
  manager: EntityManager,
  rule: AlertRule,
  options: AlertEvaluationOptions = {},
): Promise<AlertEvaluation> {
  return evaluationOf(manager, rule, options, false);
}

async function evaluationOf(
  manager: EntityManager,
  rule: AlertRule,
  options: AlertEvaluationOptions,
  lock: boolean,
): Promise<AlertEvaluation> {
  const row = await manager.getRepository(AlertEvaluationEntity).findOne({
    where: { ruleId: rule.id },
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  return row
    ? AlertEvaluation.rehydrate(rule, row.state, options)
    : AlertEvaluation.create(rule, options);
}

export async function saveEvaluation(
  manager: EntityManager,
  tenantId: string,
  evaluation: AlertEvaluation,
  at: Date,
): Promise<void> {
  const state = evaluation.toSnapshot();
  await manager
    .getRepository(AlertEvaluationEntity)
    .upsert({ ruleId: state.alertRuleId, tenantId, state, updatedAt: at }, ['ruleId']);
}

export async function dropEvaluation(manager: EntityManager, ruleId: string): Promise<void> {
  await manager.getRepository(AlertEvaluationEntity).delete({ ruleId });
  // Its alerts will never resolve now: they stop inhibiting.
  await forgetFiring(manager, ruleId);
}

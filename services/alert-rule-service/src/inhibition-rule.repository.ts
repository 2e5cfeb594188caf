import { InhibitionRule, type InhibitionRuleSnapshot, type LabelMatcher } from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface InhibitionRuleRow {
  id: string;
  tenantId: string;
  sourceMatchers: LabelMatcher[];
  targetMatchers: LabelMatcher[];
  equal: string[];
  comment: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const InhibitionRuleEntity = new EntitySchema<InhibitionRuleRow>({
  name: 'InhibitionRule',
  tableName: 'inhibition_rules',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    sourceMatchers: { type: 'jsonb', name: 'source_matchers' },
    targetMatchers: { type: 'jsonb', name: 'target_matchers' },
    equal: { type: 'jsonb' },
    comment: { type: 'text' },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

/** A firing alert with its labels: what inhibition rules' source matchers are checked against. */
export interface FiringAlertRow {
  tenantId: string;
  fingerprint: string;
  alertRuleId: string;
  labels: Record<string, string>;
  firedAt: Date;
}

export const FiringAlertEntity = new EntitySchema<FiringAlertRow>({
  name: 'FiringAlert',
  tableName: 'firing_alerts',
  columns: {
    tenantId: { type: 'text', name: 'tenant_id', primary: true },
    fingerprint: { type: 'text', primary: true },
    alertRuleId: { type: 'uuid', name: 'alert_rule_id' },
    labels: { type: 'jsonb' },
    firedAt: { type: 'timestamptz', name: 'fired_at' },
  },
});

// Field by field: jsonb gives the keys back in its own order.
const matchers = (list: readonly LabelMatcher[]): LabelMatcher[] =>
  list.map((m) => ({ name: m.name, operator: m.operator, value: m.value }));

export function toInhibitionRuleSnapshot(row: InhibitionRuleRow): InhibitionRuleSnapshot {
  return {
    inhibitionRuleId: row.id,
    tenantId: row.tenantId,
    sourceMatchers: matchers(row.sourceMatchers),
    targetMatchers: matchers(row.targetMatchers),
    equal: [...row.equal],
    comment: row.comment,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toInhibitionRuleRow(rule: InhibitionRule, version: number): InhibitionRuleRow {
  const s = rule.toSnapshot();
  return {
    id: s.inhibitionRuleId,
    tenantId: s.tenantId,
    sourceMatchers: matchers(s.sourceMatchers),
    targetMatchers: matchers(s.targetMatchers),
    equal: [...s.equal],
    comment: s.comment,
    version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}

export type InhibitionRuleStore = AggregateStore<InhibitionRule, InhibitionRuleRow>;

export function inhibitionRuleStore(dataSource: DataSource, uow: UnitOfWork): InhibitionRuleStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'inhibition rule',
    entity: InhibitionRuleEntity,
    toRow: toInhibitionRuleRow,
    toAggregate: (row) => InhibitionRule.rehydrate(toInhibitionRuleSnapshot(row)),
    isUnchanged: (rule, storedVersion) => rule.version === storedVersion,
  });
}

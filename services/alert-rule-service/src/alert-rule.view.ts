import type { AlertRuleSnapshot } from '@obs/domain';
import {
  toRuleSnapshot,
  type AlertRuleRow,
  type StoredAlertRule,
} from './alert-rule.repository.js';

/** The API shape of a rule: the snapshot with `id` and the row's audit times. */
function ruleView(snapshot: AlertRuleSnapshot, createdAt: string, updatedAt: string) {
  const { alertRuleId, tenantId: _tenantId, ...rest } = snapshot;
  return {
    id: alertRuleId,
    ...rest,
    scope: { ...rest.scope },
    condition: { ...rest.condition, groupBy: [...rest.condition.groupBy] },
    actions: rest.actions.map(({ groupBy, ...a }) => ({
      ...a,
      ...(groupBy === undefined ? {} : { groupBy: [...groupBy] }),
    })),
    createdAt,
    updatedAt,
  };
}

export type AlertRuleView = ReturnType<typeof ruleView>;

/** A rule as the store just saved it (its snapshot is at the stored version). */
export function viewOfStored(stored: StoredAlertRule): AlertRuleView {
  return ruleView(stored.rule.toSnapshot(), stored.createdAt, stored.updatedAt);
}

export function viewOfRow(row: AlertRuleRow): AlertRuleView {
  return ruleView(toRuleSnapshot(row), row.createdAt.toISOString(), row.updatedAt.toISOString());
}

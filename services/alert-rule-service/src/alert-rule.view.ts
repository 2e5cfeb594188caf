import { toRuleSnapshot, type AlertRuleRow } from './alert-rule.repository.js';

/** The API shape of a rule: the snapshot with `id` and the row's timestamps. */
export function ruleView(row: AlertRuleRow) {
  const { alertRuleId, tenantId: _tenantId, ...rest } = toRuleSnapshot(row);
  return {
    id: alertRuleId,
    ...rest,
    condition: { ...rest.condition, groupBy: [...rest.condition.groupBy] },
    actions: rest.actions.map((a) => ({ ...a })),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

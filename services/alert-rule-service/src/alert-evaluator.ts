import { AlertRule, dimensionKey, type AlertRuleSnapshot, type DomainEvent } from '@obs/domain';
import type { PayloadOf } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import type { AlertRuleServiceConfig } from './config.js';
import { publishAlerts } from './notify/alert-muting.js';
import {
  AlertRuleEntity,
  loadEvaluation,
  saveEvaluation,
  toRuleSnapshot,
} from './alert-rule.repository.js';

export type MetricWindow = PayloadOf<'MetricAggregated', 1>;

/**
 * The group a rule sees in a window: the values of its groupBy dimensions. A series that lacks one
 * of them, or lies outside the rule's scope, is not this rule's business (undefined).
 */
export function ruleGroup(
  rule: AlertRuleSnapshot,
  window: MetricWindow,
): Record<string, string> | undefined {
  if (window.projectId !== rule.scope.projectId) return undefined;
  if (
    rule.scope.moduleId !== null &&
    window.group.moduleId !== undefined &&
    window.group.moduleId !== rule.scope.moduleId
  ) {
    return undefined;
  }
  const group: Record<string, string> = {};
  for (const dimension of rule.condition.groupBy) {
    const value = window.group[dimension];
    if (value === undefined) return undefined;
    group[dimension] = value;
  }
  return group;
}

/**
 * Applies one closed window to every enabled rule of the tenant on that metric and window size,
 * persisting each rule's evaluation state and queuing AlertTriggered in the same transaction.
 * A window may release the alert of another group (it moves the rule's event-time horizon), so
 * every event the evaluation recorded is queued, with the notifications owed to the rule's
 * receivers (written at `clock()`, the service clock). Returns the events.
 */
export async function evaluateWindow(
  tx: Transaction,
  tenantId: string,
  window: MetricWindow,
  traceId: string | null,
  config: AlertRuleServiceConfig,
  clock: () => number = Date.now,
): Promise<DomainEvent[]> {
  const rows = await tx.manager.getRepository(AlertRuleEntity).find({
    where: { tenantId, metric: window.metricName, enabled: true },
    order: { id: 'ASC' },
  });
  const triggered: DomainEvent[] = [];
  for (const row of rows) {
    const snapshot = toRuleSnapshot(row);
    // The domain ignores other sizes too; skipping here saves loading and rewriting the state.
    if (snapshot.condition.window !== window.window) continue;
    const group = ruleGroup(snapshot, window);
    if (group === undefined) continue;
    const rule = AlertRule.rehydrate(snapshot);
    const evaluation = await loadEvaluation(tx.manager, rule, config);
    const receivedAt = clock();
    evaluation.observe(
      {
        window: window.window,
        windowStart: window.windowStart,
        windowEnd: window.windowEnd,
        value: window.values[snapshot.condition.aggregation],
        groupKey: dimensionKey(group),
        group,
        // The telemetry trace of the firing window travels on to the alert and the incident.
        traceId,
      },
      receivedAt,
    );
    const events = evaluation.pullEvents();
    await saveEvaluation(tx.manager, tenantId, evaluation, new Date(window.windowEnd));
    triggered.push(
      ...(await publishAlerts(tx, tenantId, snapshot.actions, events, rule.version, receivedAt)),
    );
  }
  return triggered;
}

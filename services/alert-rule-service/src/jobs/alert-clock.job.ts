import { AlertRule } from '@obs/domain';
import { startConsumerSpan, type JobDefinition, type ServiceContext } from '@obs/service-kit';
import type { AlertClockConfig, AlertRuleServiceConfig } from '../config.js';
import { publishAlerts } from '../notify/alert-muting.js';
import {
  AlertRuleEntity,
  loadEvaluation,
  saveEvaluation,
  toRuleSnapshot,
} from '../alert-rule.repository.js';

export const ALERT_CLOCK_JOB = 'alert-clock';
/** Rules advanced per run at most; the next run continues. */
const MAX_RULES_PER_RUN = 5_000;

interface ClockRow {
  rule_id: string;
}

/**
 * "Never wait for data that may not come": moves each enabled rule's event-time clock with the
 * wall clock (`ctx.clock()`), so a window becomes final by processing time at its end + the metric
 * grace + the rule's lateness grace even when no later window ever arrives, and the episode it
 * completes is announced (AlertTriggered through the outbox, notifications queued) within one run
 * of this job. Each rule is advanced in its own transaction, its evaluation row locked as the
 * consumer locks it, so a window and a tick of one rule queue up instead of racing; a rule the
 * consumer holds right now is skipped (SKIP LOCKED) and advanced on the next run.
 */
export function alertClockJob(
  ctx: ServiceContext,
  config: AlertRuleServiceConfig,
  clock: AlertClockConfig,
): JobDefinition {
  const evaluations = ctx.table('alert_evaluations');
  const rules = ctx.table('alert_rules');

  async function advance(ruleId: string): Promise<void> {
    const { span, context } = startConsumerSpan('advance alert clock', {});
    try {
      await ctx.uow.run({ context }, async (tx) => {
        const locked = await tx.manager.query<ClockRow[]>(
          `SELECT rule_id FROM ${evaluations} WHERE rule_id = $1 FOR UPDATE SKIP LOCKED`,
          [ruleId],
        );
        if (locked.length === 0) return;
        const row = await tx.manager
          .getRepository(AlertRuleEntity)
          .findOneBy({ id: ruleId, enabled: true });
        if (row === null) return;
        const snapshot = toRuleSnapshot(row);
        const rule = AlertRule.rehydrate(snapshot);
        const evaluation = await loadEvaluation(tx.manager, rule, config);
        const now = ctx.clock();
        const before = JSON.stringify(evaluation.toSnapshot());
        evaluation.advanceWithWallClock(now, clock.metricGraceMs);
        const after = evaluation.toSnapshot();
        if (JSON.stringify(after) === before) return;
        const events = evaluation.pullEvents();
        await saveEvaluation(
          tx.manager,
          row.tenantId,
          evaluation,
          new Date(after.newestWindowEnd ?? now),
        );
        await publishAlerts(tx, row.tenantId, snapshot.actions, events, rule.version, now);
      });
    } finally {
      span.end();
    }
  }

  return {
    name: ALERT_CLOCK_JOB,
    intervalMs: clock.intervalMs,
    // Per-rule row locks make concurrent runs safe, but one runner is enough and cheaper.
    singleActive: true,
    run: async () => {
      const due = await ctx.dataSource.query<ClockRow[]>(
        `SELECT e.rule_id FROM ${evaluations} e JOIN ${rules} r ON r.id = e.rule_id
          WHERE r.enabled ORDER BY e.rule_id LIMIT ${MAX_RULES_PER_RUN}`,
      );
      for (const { rule_id: ruleId } of due) {
        try {
          await advance(ruleId);
        } catch (err) {
          // One broken rule must not hold back the others; it is retried on the next run.
          ctx.logger.error({ err, alertRuleId: ruleId }, 'advancing the alert clock failed');
        }
      }
    },
  };
}

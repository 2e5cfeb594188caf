import type {
  AlertResolvedPayload,
  AlertTriggeredPayload,
  DomainEvent,
  InhibitingAlert,
} from '@obs/domain';
import type { EntityManager } from 'typeorm';
import { FiringAlertEntity } from '../inhibition-rule.repository.js';
import { alertLabels } from './alertmanager-payload.js';

/**
 * Keeps the tenant's firing-alert set (what inhibition rules' source side is matched against) in
 * step with an evaluation's events, in its transaction: an AlertTriggered adds its alert (muted
 * ones too: in Alertmanager a silenced or inhibited source still inhibits), an AlertResolved
 * removes it.
 */
export async function recordFiring(
  manager: EntityManager,
  tenantId: string,
  events: readonly DomainEvent[],
  now: number,
): Promise<void> {
  const repo = manager.getRepository(FiringAlertEntity);
  for (const event of events) {
    if (event.eventType === 'AlertResolved') {
      const alert = event.payload as AlertResolvedPayload;
      await repo.delete({ tenantId, fingerprint: alert.fingerprint });
    } else if (event.eventType === 'AlertTriggered') {
      const alert = event.payload as AlertTriggeredPayload;
      await repo.upsert(
        {
          tenantId,
          fingerprint: alert.fingerprint,
          alertRuleId: alert.alertRuleId,
          labels: alertLabels(alert),
          firedAt: new Date(now),
        },
        ['tenantId', 'fingerprint'],
      );
    }
  }
}

/** The tenant's firing alerts with their labels. */
export async function firingAlerts(
  manager: EntityManager,
  tenantId: string,
): Promise<InhibitingAlert[]> {
  const rows = await manager
    .getRepository(FiringAlertEntity)
    .find({ where: { tenantId }, order: { fingerprint: 'ASC' } });
  return rows.map((r) => ({ fingerprint: r.fingerprint, labels: r.labels }));
}

/** A rule disabled or deleted keeps no evaluation, so its alerts will never resolve: forget them. */
export async function forgetFiring(manager: EntityManager, ruleId: string): Promise<void> {
  await manager.getRepository(FiringAlertEntity).delete({ alertRuleId: ruleId });
}

import type { JobDefinition, ServiceContext } from '@obs/service-kit';
import type { NotifyConfig } from '../config.js';
import { claimDueGroup, flushGroup } from '../notify/notification-groups.js';

export const NOTIFICATION_GROUP_FLUSH_JOB = 'notification-group-flush';
/** Groups flushed per run at most; a run ends early when nothing more is due. */
const BATCH = 200;

/**
 * Flushes the notification groups due at the service clock (`ctx.clock()`): after a new group's
 * groupWait, then every groupInterval (notify/notification-groups.ts). One group per transaction,
 * claimed with `FOR UPDATE SKIP LOCKED`, so processes flush side by side and an evaluation adding
 * an alert to a group waits for its flush to commit. The notification rows it queues are sent by
 * the delivery job. A crash mid-flush rolls back: the group stays due and is flushed again.
 */
export function notificationGroupFlushJob(
  ctx: ServiceContext,
  config: NotifyConfig,
): JobDefinition {
  async function flushOne(): Promise<boolean> {
    return ctx.dataSource.transaction(async (manager) => {
      const now = ctx.clock();
      const id = await claimDueGroup(manager, now);
      if (id === undefined) return false;
      await flushGroup(manager, id, now);
      return true;
    });
  }

  return {
    name: NOTIFICATION_GROUP_FLUSH_JOB,
    intervalMs: config.intervalMs,
    // Groups are claimed with SKIP LOCKED: processes flush side by side.
    singleActive: false,
    run: async () => {
      for (let flushed = 0; flushed < BATCH; flushed += 1) {
        if (!(await flushOne())) return;
      }
    },
  };
}

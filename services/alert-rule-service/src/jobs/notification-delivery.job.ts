import type { JobDefinition, ServiceContext } from '@obs/service-kit';
import type { EntityManager } from 'typeorm';
import type { NotifyConfig } from '../config.js';
import { NOTIFICATIONS_CHANNEL } from '../migrations/1730000000021-notifications-wake.js';
import { NotificationEntity, type NotificationRow } from '../notification.repository.js';
import { ReceiverEntity } from '../receiver.repository.js';
import { backoffMs } from '../notify/retry-policy.js';
import type { DeliveryVerdict } from '../notify/sender.js';
import { senderFor } from '../notify/senders.js';

export const NOTIFICATION_DELIVERY_JOB = 'notification-delivery';
/**
 * A run goes on while notifications are due, up to this many and this long (then the next run
 * follows after NOTIFY_INTERVAL_MS): a backlog drains at the sender's full speed instead of one
 * batch per interval, and a stop waits for at most one budget. With 50 per run and a pause
 * after each, `pnpm bench:notify` measured 14 sends/s against 20/s offered and a p50 of 4.2 s.
 */
const BATCH = 2_000;
const RUN_BUDGET_MS = 10_000;
/** What last_error keeps of an error message. */
const ERROR_MAX = 500;

type Update = Partial<
  Pick<
    NotificationRow,
    'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'lastStatusCode' | 'deliveredAt'
  >
>;

/**
 * Sends due notifications through their receiver's kind (notify/senders.ts: one sender per kind,
 * each answering delivered, retry or final), one per transaction: the row is claimed with `FOR UPDATE SKIP LOCKED`
 * (several processes deliver at once, never the same row), sent, and its outcome written before
 * the lock goes. A crash mid-send leaves the row pending and it is sent again with the same
 * webhook-id, which is what receivers dedupe on (at-least-once delivery).
 */
export function notificationDeliveryJob(
  ctx: ServiceContext,
  config: NotifyConfig,
  random: () => number = Math.random,
): JobDefinition {
  const table = ctx.table('notifications');
  async function deliverOne(): Promise<boolean> {
    return ctx.dataSource.transaction(async (manager) => {
      const now = ctx.clock();
      const rows = await manager.query<{ id: string }[]>(
        `SELECT id FROM ${table}
          WHERE status = 'pending' AND next_attempt_at <= $1
          ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [new Date(now)],
      );
      const id = rows[0]?.id;
      if (id === undefined) return false;
      const notification = await manager.getRepository(NotificationEntity).findOneByOrFail({ id });
      await update(manager, id, await attempt(manager, notification, now));
      return true;
    });
  }

  async function attempt(
    manager: EntityManager,
    notification: NotificationRow,
    now: number,
  ): Promise<Update> {
    const attempts = notification.attempts + 1;
    const receiver = await manager.getRepository(ReceiverEntity).findOneBy({
      id: notification.receiverId,
      tenantId: notification.tenantId,
    });
    if (!receiver) {
      return { status: 'failed', attempts, nextAttemptAt: null, lastError: 'receiver was deleted' };
    }
    let verdict: DeliveryVerdict;
    try {
      verdict = await senderFor(receiver.type).send(
        { id: notification.id, payload: notification.payload },
        receiver,
        {
          now,
          timeoutMs: config.timeoutMs,
          allowPrivateTargets: config.allowPrivateTargets,
          externalUrl: config.externalUrl,
        },
      );
    } catch (err) {
      // A sender's own fault (a row it cannot render): retried, and dead in the end, not lost.
      verdict = {
        result: 'retry',
        error: err instanceof Error ? err.message : String(err),
        statusCode: null,
      };
    }
    return next(verdict, attempts, now);
  }

  function next(verdict: DeliveryVerdict, attempts: number, now: number): Update {
    switch (verdict.result) {
      case 'delivered':
        return {
          status: 'delivered',
          attempts,
          nextAttemptAt: null,
          lastStatusCode: verdict.statusCode,
          lastError: null,
          deliveredAt: new Date(now),
        };
      case 'final':
        return {
          status: 'failed',
          attempts,
          nextAttemptAt: null,
          lastStatusCode: verdict.statusCode,
          lastError: verdict.error.slice(0, ERROR_MAX),
        };
      case 'retry':
        return retry(attempts, now, verdict.error, verdict.statusCode, verdict.retryAfterMs);
      default: {
        const unreachable: never = verdict;
        throw new Error(`unknown verdict ${JSON.stringify(unreachable)}`);
      }
    }
  }

  function retry(
    attempts: number,
    now: number,
    error: string,
    status: number | null,
    retryAfter: number | undefined,
  ): Update {
    const lastError = error.slice(0, ERROR_MAX);
    if (attempts >= config.maxAttempts) {
      return { status: 'dead', attempts, nextAttemptAt: null, lastError, lastStatusCode: status };
    }
    const delay = Math.min(config.backoffMaxMs, retryAfter ?? backoffMs(config, attempts, random));
    return {
      status: 'pending',
      attempts,
      nextAttemptAt: new Date(now + delay),
      lastError,
      lastStatusCode: status,
    };
  }

  async function update(manager: EntityManager, id: string, changes: Update): Promise<void> {
    await manager.getRepository(NotificationEntity).update({ id }, changes);
  }

  return {
    name: NOTIFICATION_DELIVERY_JOB,
    intervalMs: config.intervalMs,
    // Rows are claimed with SKIP LOCKED: processes deliver side by side.
    singleActive: false,
    // Queued rows wake it at commit (the table's trigger); the interval is the fallback and
    // brings retries when they fall due.
    wakeOn: NOTIFICATIONS_CHANNEL,
    run: async () => {
      // Real time, not ctx.clock(): the budget bounds how long this process is busy.
      const until = Date.now() + RUN_BUDGET_MS;
      for (let sent = 0; sent < BATCH && Date.now() < until; sent += 1) {
        if (!(await deliverOne())) return;
      }
    },
  };
}

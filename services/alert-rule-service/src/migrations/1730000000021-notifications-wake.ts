import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The NOTIFY channel the notification-delivery job LISTENs on (its `wakeOn`). */
export const NOTIFICATIONS_CHANNEL = 'alert_rule_notifications';

/**
 * Wakes the notification-delivery job when notifications are queued: a statement-level trigger
 * sends `NOTIFY alert_rule_notifications` after every INSERT into the table, which PostgreSQL
 * delivers at commit (and not at all on rollback), whichever writer inserted (an alert's
 * evaluation, an escalation, an SLO burn-rate alert). Without it the job only polls every
 * NOTIFY_INTERVAL_MS (p50 about half of it: `pnpm bench:notify`).
 */
export class NotificationsWake1730000000021 implements MigrationInterface {
  name = 'NotificationsWake1730000000021';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION alert_rule.notifications_wake() RETURNS trigger
        LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${NOTIFICATIONS_CHANNEL}', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER notifications_wake AFTER INSERT ON alert_rule.notifications
        FOR EACH STATEMENT EXECUTE FUNCTION alert_rule.notifications_wake()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER notifications_wake ON alert_rule.notifications');
    await q.query('DROP FUNCTION alert_rule.notifications_wake()');
  }
}

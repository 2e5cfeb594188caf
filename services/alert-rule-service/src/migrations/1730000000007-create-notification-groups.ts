import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification groups (Alertmanager's aggregation groups), one per rule, receiver and group key:
 * the group's alerts (jsonb by fingerprint), when it is next flushed, and what its receiver was
 * last told (Alertmanager's notification log). Written in the evaluation's transaction, so a
 * queued alert survives a restart; `notification_groups_due_idx` serves the flush job's scan.
 */
export class CreateNotificationGroups1730000000007 implements MigrationInterface {
  name = 'CreateNotificationGroups1730000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rule.notification_groups (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        alert_rule_id uuid NOT NULL REFERENCES alert_rule.alert_rules (id) ON DELETE CASCADE,
        receiver_id uuid NOT NULL,
        group_key text NOT NULL,
        group_labels jsonb NOT NULL,
        alerts jsonb NOT NULL,
        group_interval_ms bigint NOT NULL CHECK (group_interval_ms > 0),
        repeat_interval_ms bigint NOT NULL CHECK (repeat_interval_ms > 0),
        next_flush_at timestamptz NOT NULL,
        last_notified_at timestamptz,
        last_firing jsonb NOT NULL,
        last_resolved jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (tenant_id, alert_rule_id, receiver_id, group_key)
      )`);
    await q.query(
      'CREATE INDEX notification_groups_due_idx ON alert_rule.notification_groups (next_flush_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alert_rule.notification_groups');
  }
}

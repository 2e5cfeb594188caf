import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receivers (a tenant's notification targets) and the notifications owed to them.
 * - `receivers_name_uq`: one name per tenant (case-insensitive); a clash answers 409.
 * - `notifications` rows are written in the transaction that publishes AlertTriggered, so a
 *   committed alert always has its notifications and a rolled-back one has none. No foreign key
 *   to receivers: the delivery history outlives a receiver. `notifications_due_idx` serves the
 *   delivery job's `FOR UPDATE SKIP LOCKED` scan; the tenant index serves the list.
 */
export class CreateReceiversAndNotifications1730000000003 implements MigrationInterface {
  name = 'CreateReceiversAndNotifications1730000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rule.receivers (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('webhook')),
        url text NOT NULL,
        send_resolved boolean NOT NULL,
        secret text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE UNIQUE INDEX receivers_name_uq ON alert_rule.receivers (tenant_id, lower(name))',
    );
    await q.query(
      'CREATE INDEX receivers_tenant_created_idx ON alert_rule.receivers (tenant_id, created_at DESC, id DESC)',
    );
    await q.query(`
      CREATE TABLE alert_rule.notifications (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        receiver_id uuid NOT NULL,
        alert_rule_id uuid NOT NULL,
        fingerprint text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz,
        last_error text,
        last_status_code integer,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX notifications_due_idx ON alert_rule.notifications (next_attempt_at)
       WHERE status = 'pending'`,
    );
    await q.query(
      'CREATE INDEX notifications_tenant_created_idx ON alert_rule.notifications (tenant_id, created_at DESC, id DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alert_rule.notifications');
    await q.query('DROP TABLE alert_rule.receivers');
  }
}

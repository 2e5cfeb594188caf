import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receiver kinds slack, email and alertmanager. `url` is null for email, `secret` (the webhook
 * signing secret) null for every kind but webhook; `email` holds an email receiver's recipients,
 * sender and SMTP server, `credentials` its SMTP AUTH username and password (write-only through the
 * API). Existing rows are webhooks and keep their values.
 */
export class ReceiverKinds1730000000004 implements MigrationInterface {
  name = 'ReceiverKinds1730000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE alert_rule.receivers DROP CONSTRAINT receivers_type_check');
    await q.query(`
      ALTER TABLE alert_rule.receivers
        ADD CONSTRAINT receivers_type_check
          CHECK (type IN ('webhook', 'slack', 'email', 'alertmanager')),
        ALTER COLUMN url DROP NOT NULL,
        ALTER COLUMN secret DROP NOT NULL,
        ADD COLUMN email jsonb,
        ADD COLUMN credentials jsonb,
        ADD CONSTRAINT receivers_kind_fields_check CHECK (
          (type = 'email') = (email IS NOT NULL AND url IS NULL)
          AND (type = 'webhook') = (secret IS NOT NULL)
          AND (credentials IS NULL OR type = 'email')
        )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM alert_rule.receivers WHERE type <> 'webhook'");
    await q.query(`
      ALTER TABLE alert_rule.receivers
        DROP CONSTRAINT receivers_kind_fields_check,
        DROP CONSTRAINT receivers_type_check,
        DROP COLUMN credentials,
        DROP COLUMN email,
        ALTER COLUMN secret SET NOT NULL,
        ALTER COLUMN url SET NOT NULL,
        ADD CONSTRAINT receivers_type_check CHECK (type IN ('webhook'))`);
  }
}

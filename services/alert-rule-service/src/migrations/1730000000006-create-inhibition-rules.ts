import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inhibition rules (Alertmanager's inhibit_rules) and the tenant's firing alerts they are checked
 * against. `firing_alerts` holds each alert announced by AlertTriggered (silenced and inhibited ones
 * too: in Alertmanager a muted source still inhibits) until its AlertResolved or its rule is
 * disabled or deleted, with its labels; it
 * starts empty, so an alert that fired before this migration inhibits nothing until it fires again.
 */
export class CreateInhibitionRules1730000000006 implements MigrationInterface {
  name = 'CreateInhibitionRules1730000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rule.inhibition_rules (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        source_matchers jsonb NOT NULL,
        target_matchers jsonb NOT NULL,
        equal jsonb NOT NULL,
        comment text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX inhibition_rules_tenant_created_idx ON alert_rule.inhibition_rules (tenant_id, created_at DESC, id DESC)',
    );
    await q.query(`
      CREATE TABLE alert_rule.firing_alerts (
        tenant_id text NOT NULL,
        fingerprint text NOT NULL,
        alert_rule_id uuid NOT NULL REFERENCES alert_rule.alert_rules (id) ON DELETE CASCADE,
        labels jsonb NOT NULL,
        fired_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, fingerprint)
      )`);
    await q.query(
      'CREATE INDEX firing_alerts_rule_idx ON alert_rule.firing_alerts (alert_rule_id)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alert_rule.firing_alerts');
    await q.query('DROP TABLE alert_rule.inhibition_rules');
  }
}

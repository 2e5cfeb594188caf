import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules, their evaluation state and the tenant's metric catalogue.
 * - `alert_rules_name_uq` is the race guard of "unique name per tenant + scope": two concurrent
 *   creates with one name make the second fail with a unique violation (409).
 * - `alert_evaluations` is written in the same transaction as the consumer's inbox row, so a
 *   restart neither loses a pending alert nor re-fires a firing one; it goes with its rule.
 */
export class CreateAlertRules1730000000001 implements MigrationInterface {
  name = 'CreateAlertRules1730000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rule.alert_rules (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        scope_project_id text NOT NULL,
        scope_module_id text,
        metric text NOT NULL,
        condition jsonb NOT NULL,
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'high', 'critical')),
        actions jsonb NOT NULL,
        enabled boolean NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX alert_rules_name_uq ON alert_rule.alert_rules
       (tenant_id, scope_project_id, coalesce(scope_module_id, ''), lower(name))`,
    );
    await q.query(
      'CREATE INDEX alert_rules_tenant_created_idx ON alert_rule.alert_rules (tenant_id, created_at DESC, id DESC)',
    );
    await q.query(
      'CREATE INDEX alert_rules_metric_idx ON alert_rule.alert_rules (tenant_id, metric) WHERE enabled',
    );
    await q.query(`
      CREATE TABLE alert_rule.alert_evaluations (
        rule_id uuid PRIMARY KEY REFERENCES alert_rule.alert_rules (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE alert_rule.known_metrics (
        tenant_id text NOT NULL,
        metric_name text NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, metric_name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alert_rule.known_metrics');
    await q.query('DROP TABLE alert_rule.alert_evaluations');
    await q.query('DROP TABLE alert_rule.alert_rules');
  }
}

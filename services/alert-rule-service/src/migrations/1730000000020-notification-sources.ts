import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications name what caused them, so `GET /v1/notifications` filters by it:
 * - `slo_id`: an SLO burn-rate alert (SloBurnRateAlertFired/Resolved from slo-service), which
 *   has no alert rule, so `alert_rule_id` becomes nullable;
 * - `incident_id`: an escalation step (IncidentEscalated), until now only in the fingerprint
 *   (`incident:<id>`), from which existing rows are filled.
 * Each filter has a partial index in the list's order (newest first).
 */
export class NotificationSources1730000000020 implements MigrationInterface {
  name = 'NotificationSources1730000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE alert_rule.notifications
        ALTER COLUMN alert_rule_id DROP NOT NULL,
        ADD COLUMN slo_id uuid,
        ADD COLUMN incident_id uuid`);
    await q.query(`
      UPDATE alert_rule.notifications
         SET incident_id = substring(fingerprint from 10)::uuid
       WHERE fingerprint ~* '^incident:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`);
    await q.query(
      `CREATE INDEX notifications_tenant_incident_idx ON alert_rule.notifications
         (tenant_id, incident_id, created_at DESC, id DESC) WHERE incident_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX notifications_tenant_slo_idx ON alert_rule.notifications
         (tenant_id, slo_id, created_at DESC, id DESC) WHERE slo_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM alert_rule.notifications WHERE alert_rule_id IS NULL');
    await q.query(`
      ALTER TABLE alert_rule.notifications
        DROP COLUMN incident_id,
        DROP COLUMN slo_id,
        ALTER COLUMN alert_rule_id SET NOT NULL`);
  }
}

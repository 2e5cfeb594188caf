import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Burn-rate alerts (docs/services/slo.md#burn-rate-alerts):
 * - `slos.burn_rate_alerts`: the definition's switch and receiver ids; existing SLOs get the
 *   default (on, no receivers).
 * - `slos.active_burn_alerts`: the alerts firing at the last evaluation.
 * - `slo_samples.received_at`: when the service took the window in (its clock). A ratio minute
 *   whose total side has waited longer than the pairing grace without a good side counts with no
 *   good events; null (rows from before) counts as received long ago.
 * - `slos_last_evaluated_idx`: the burn clock finds the SLOs whose evaluation fell behind.
 */
export class BurnRateAlerts1730000000002 implements MigrationInterface {
  name = 'BurnRateAlerts1730000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE slo.slos
        ADD COLUMN burn_rate_alerts jsonb NOT NULL DEFAULT '{"enabled": true, "receivers": []}',
        ADD COLUMN active_burn_alerts jsonb NOT NULL DEFAULT '[]'`);
    await q.query('ALTER TABLE slo.slo_samples ADD COLUMN received_at timestamptz');
    await q.query(
      'CREATE INDEX slos_last_evaluated_idx ON slo.slos (last_evaluated_at) WHERE last_evaluated_at IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX slo.slos_last_evaluated_idx');
    await q.query('ALTER TABLE slo.slo_samples DROP COLUMN received_at');
    await q.query(
      'ALTER TABLE slo.slos DROP COLUMN burn_rate_alerts, DROP COLUMN active_burn_alerts',
    );
  }
}

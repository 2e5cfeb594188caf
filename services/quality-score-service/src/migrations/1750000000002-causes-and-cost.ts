import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 29: every input names the cause it speaks of, so the score counts a cause once
 * (docs/services/quality-score.md, "Each cause once"), feedback inputs learn their source (an
 * incident's feedback joins the incident's cause), and cost anomalies become inputs of their own
 * (C is no longer always 1). Rows written before this have no cause: each is its own.
 */
export class CausesAndCost1750000000002 implements MigrationInterface {
  name = 'CausesAndCost1750000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE quality_score.feedback_inputs
      ADD COLUMN source text, ADD COLUMN source_id text, ADD COLUMN cause_id text`);
    await q.query('ALTER TABLE quality_score.incident_inputs ADD COLUMN cause_id text');
    await q.query('ALTER TABLE quality_score.slo_breach_inputs ADD COLUMN cause_id text');
    await q.query(`
      CREATE TABLE quality_score.cost_anomaly_inputs (
        tenant_id text NOT NULL,
        cost_signal_id text NOT NULL,
        category text NOT NULL,
        project_id text NOT NULL,
        delta_pct double precision NOT NULL,
        detected_at timestamptz NOT NULL,
        cause_id text NOT NULL,
        PRIMARY KEY (tenant_id, cost_signal_id, category)
      )`);
    await q.query(
      'CREATE INDEX cost_anomaly_inputs_project_idx ON quality_score.cost_anomaly_inputs (tenant_id, project_id, detected_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE quality_score.cost_anomaly_inputs');
    await q.query('ALTER TABLE quality_score.slo_breach_inputs DROP COLUMN cause_id');
    await q.query('ALTER TABLE quality_score.incident_inputs DROP COLUMN cause_id');
    await q.query(`ALTER TABLE quality_score.feedback_inputs
      DROP COLUMN source, DROP COLUMN source_id, DROP COLUMN cause_id`);
  }
}

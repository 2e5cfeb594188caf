import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SLO definitions and the metric windows they count. Indexes that carry behaviour:
 * - `slos_name_uq`: one SLO of a name per tenant and project (a clash answers 409, also inside an
 *   import, which then stores nothing).
 * - `slos_metric_names_idx`: the MetricAggregated consumer finds the SLOs of a metric with it.
 * - `slo_samples` primary key: a window delivered again (or revised) replaces its sample, so
 *   the budget never counts a window twice.
 */
export class CreateSlos1730000000001 implements MigrationInterface {
  name = 'CreateSlos1730000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE slo.slos (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        name text NOT NULL,
        indicator jsonb NOT NULL,
        metric_names text[] NOT NULL,
        target double precision NOT NULL CHECK (target > 0 AND target <= 100),
        window_minutes integer NOT NULL CHECK (window_minutes >= 1),
        error_budget double precision NOT NULL,
        budget_remaining double precision NOT NULL
          CHECK (budget_remaining >= 0 AND budget_remaining <= error_budget),
        status text NOT NULL CHECK (status IN ('healthy', 'at-risk', 'breached')),
        bad_pct double precision NOT NULL,
        last_evaluated_at timestamptz,
        last_evaluation jsonb NOT NULL,
        burn_events jsonb NOT NULL,
        maintenance_windows jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        CHECK (status <> 'breached' OR budget_remaining = 0)
      )`);
    await q.query('CREATE UNIQUE INDEX slos_name_uq ON slo.slos (tenant_id, project_id, name)');
    await q.query(
      'CREATE INDEX slos_tenant_created_idx ON slo.slos (tenant_id, created_at DESC, id DESC)',
    );
    await q.query('CREATE INDEX slos_metric_names_idx ON slo.slos USING gin (metric_names)');
    await q.query(`
      CREATE TABLE slo.slo_samples (
        slo_id uuid NOT NULL REFERENCES slo.slos (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('good', 'total')),
        group_key text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL CHECK (window_end > window_start),
        events bigint NOT NULL CHECK (events >= 0),
        PRIMARY KEY (slo_id, role, group_key, window_start)
      )`);
    await q.query(
      'CREATE INDEX slo_samples_window_end_idx ON slo.slo_samples (slo_id, window_end)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE slo.slo_samples');
    await q.query('DROP TABLE slo.slos');
  }
}

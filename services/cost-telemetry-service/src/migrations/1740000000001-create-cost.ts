import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cost lines, their daily rollup, each project's currency, the CostSignal rows and exports.
 * Constraints carry behaviour:
 * - `cost_lines` is keyed by (tenant, line id): a resent line is a duplicate counted once.
 * - `cost_signals_breakdown_ck` restates the domain's "total equals the sum of its breakdown"
 *   in `numeric`, so not even a hand-written row can break it.
 * - amounts are `numeric`, never float: sums in SQL are exact.
 */
export class CreateCost1740000000001 implements MigrationInterface {
  name = 'CreateCost1740000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cost.cost_lines (
        tenant_id text NOT NULL,
        line_id text NOT NULL,
        project_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        day date NOT NULL,
        category text NOT NULL
          CHECK (category IN ('model_inference', 'compute', 'storage', 'network')),
        amount numeric(15, 6) NOT NULL CHECK (amount >= 0),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        model text,
        input_tokens bigint CHECK (input_tokens >= 0),
        output_tokens bigint CHECK (output_tokens >= 0),
        trace_id text,
        execution_id text NOT NULL,
        agent_id text NOT NULL,
        module_id text NOT NULL,
        artifact_id text NOT NULL,
        service text NOT NULL,
        service_version text NOT NULL,
        environment text NOT NULL,
        region text NOT NULL,
        origin text NOT NULL,
        content_hash text NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, line_id),
        CHECK ((category = 'model_inference') = (model IS NOT NULL))
      )`);
    await q.query(
      'CREATE INDEX cost_lines_project_time_idx ON cost.cost_lines (tenant_id, project_id, occurred_at)',
    );
    await q.query('CREATE INDEX cost_lines_time_idx ON cost.cost_lines (tenant_id, occurred_at)');
    await q.query(
      'CREATE INDEX cost_lines_trace_idx ON cost.cost_lines (tenant_id, trace_id) WHERE trace_id IS NOT NULL',
    );
    await q.query(`
      CREATE TABLE cost.cost_daily_totals (
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        day date NOT NULL,
        category text NOT NULL,
        amount numeric(24, 6) NOT NULL CHECK (amount >= 0),
        PRIMARY KEY (tenant_id, project_id, day, category)
      )`);
    await q.query(`
      CREATE TABLE cost.project_currencies (
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        currency text NOT NULL,
        PRIMARY KEY (tenant_id, project_id)
      )`);
    await q.query(`
      CREATE TABLE cost.cost_signals (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        period_kind text NOT NULL CHECK (period_kind IN ('day', 'month')),
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL CHECK (period_end > period_start),
        currency text NOT NULL,
        total numeric(24, 6) NOT NULL CHECK (total >= 0),
        model_inference numeric(24, 6) CHECK (model_inference >= 0),
        compute numeric(24, 6) CHECK (compute >= 0),
        storage numeric(24, 6) CHECK (storage >= 0),
        network numeric(24, 6) CHECK (network >= 0),
        anomalies jsonb NOT NULL,
        computed_at timestamptz NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        CONSTRAINT cost_signals_breakdown_ck CHECK (
          total = COALESCE(model_inference, 0) + COALESCE(compute, 0)
                + COALESCE(storage, 0) + COALESCE(network, 0)),
        UNIQUE (tenant_id, project_id, period_kind, period_start)
      )`);
    await q.query(
      'CREATE INDEX cost_signals_tenant_period_idx ON cost.cost_signals (tenant_id, period_start DESC, id DESC)',
    );
    await q.query(`
      CREATE TABLE cost.cost_exports (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        filter jsonb NOT NULL,
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        completed_at timestamptz,
        blob_name text,
        row_count integer,
        byte_size bigint,
        error text
      )`);
    await q.query(
      `CREATE INDEX cost_exports_pending_idx ON cost.cost_exports (requested_at, id)
       WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cost.cost_exports');
    await q.query('DROP TABLE cost.cost_signals');
    await q.query('DROP TABLE cost.project_currencies');
    await q.query('DROP TABLE cost.cost_daily_totals');
    await q.query('DROP TABLE cost.cost_lines');
  }
}

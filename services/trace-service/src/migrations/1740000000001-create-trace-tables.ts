import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `spans` is the Postgres span store: append-only, one row per received span (retried copies
 * included; assembly collapses them). `traces` holds one row per (tenant, traceId): the search
 * model while spans arrive (status `assembling`), then the assembled TraceRecord's summary,
 * version, pin and the assembly bookkeeping. Times are epoch milliseconds in bigint, never
 * timestamptz: any OTLP time and any cursor fits, so no value can overflow a timestamp.
 */
export class CreateTraceTables1740000000001 implements MigrationInterface {
  name = 'CreateTraceTables1740000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE trace.spans (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id text NOT NULL,
        trace_id text NOT NULL,
        span_id text NOT NULL,
        parent_span_id text,
        name text NOT NULL,
        kind smallint NOT NULL,
        start_ms bigint NOT NULL,
        duration_ms double precision NOT NULL,
        status text NOT NULL,
        status_message text,
        service text NOT NULL,
        dimensions jsonb NOT NULL,
        attributes jsonb NOT NULL,
        events jsonb NOT NULL,
        received_at bigint NOT NULL
      )`);
    await q.query('CREATE INDEX spans_trace_idx ON trace.spans (tenant_id, trace_id)');
    await q.query('CREATE INDEX spans_start_idx ON trace.spans (tenant_id, start_ms)');
    await q.query(`
      CREATE TABLE trace.traces (
        tenant_id text NOT NULL,
        trace_id text NOT NULL,
        version integer NOT NULL DEFAULT 0,
        status text NOT NULL,
        problem_code text,
        problem_message text,
        root_span_id text,
        root_span_name text,
        start_ms bigint NOT NULL,
        end_ms double precision NOT NULL,
        duration_ms double precision NOT NULL,
        span_count integer NOT NULL,
        project_id text NOT NULL,
        module_id text NOT NULL,
        service text NOT NULL,
        execution_id text NOT NULL,
        dimensions jsonb NOT NULL,
        root_seen boolean NOT NULL,
        pending boolean NOT NULL,
        last_span_at bigint NOT NULL,
        assembled_seq bigint NOT NULL DEFAULT 0,
        recorded_at bigint,
        updated_at bigint,
        pinned_at bigint,
        PRIMARY KEY (tenant_id, trace_id)
      )`);
    await q.query(
      'CREATE INDEX traces_search_idx ON trace.traces (tenant_id, start_ms DESC, trace_id DESC)',
    );
    await q.query(
      'CREATE INDEX traces_pending_idx ON trace.traces (last_span_at) WHERE pending AND root_seen',
    );
    await q.query(
      'CREATE INDEX traces_retention_idx ON trace.traces (start_ms) WHERE pinned_at IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE trace.traces');
    await q.query('DROP TABLE trace.spans');
  }
}

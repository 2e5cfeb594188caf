import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The local log store and the reference index. What the indexes are for:
 * - `log_records_trace_idx` / `_execution_idx`: a log query (tenant, trace or execution, then
 *   the keyset (time_ms, id) the pages follow).
 * - `log_record_references_trace_idx` / `_execution_idx`: the reference list and the store
 *   lookup of a query, same shape.
 * Records are never updated; references are immutable (no UPDATE path exists).
 */
export class CreateLogTables1740000000001 implements MigrationInterface {
  name = 'CreateLogTables1740000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE log_query.log_records (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        trace_id text,
        span_id text,
        execution_id text NOT NULL,
        time_ms bigint NOT NULL,
        time_unix_nano numeric(20, 0) NOT NULL,
        level text NOT NULL,
        level_rank smallint NOT NULL,
        severity_number integer NOT NULL,
        severity_text text,
        body text NOT NULL,
        attributes jsonb NOT NULL,
        dimensions jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX log_records_trace_idx ON log_query.log_records (tenant_id, trace_id, time_ms, id)',
    );
    await q.query(
      'CREATE INDEX log_records_execution_idx ON log_query.log_records (tenant_id, execution_id, time_ms, id)',
    );
    await q.query(`
      CREATE TABLE log_query.log_record_references (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        trace_id text NOT NULL,
        execution_id text NOT NULL,
        project_id text NOT NULL,
        module_id text NOT NULL,
        level text NOT NULL,
        timestamp timestamptz NOT NULL,
        time_ms bigint NOT NULL,
        workspace_id text NOT NULL,
        query_handle text NOT NULL,
        dimensions jsonb NOT NULL,
        record_count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX log_record_references_trace_idx ON log_query.log_record_references (tenant_id, trace_id, time_ms, id)',
    );
    await q.query(
      'CREATE INDEX log_record_references_execution_idx ON log_query.log_record_references (tenant_id, execution_id, time_ms, id)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE log_query.log_record_references');
    await q.query('DROP TABLE log_query.log_records');
  }
}

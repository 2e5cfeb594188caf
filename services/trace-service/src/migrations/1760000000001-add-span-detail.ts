import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What OTLP says of a span beyond the domain's model, for reads in Jaeger's model: `start_us` and
 * `duration_ns` (exact times, and the columns a search by duration filters on), `resource` (every
 * resource attribute, searched by tag like the span's own), `detail` (scope, links, trace state,
 * attribute types, event times). Null on rows written before: readers derive them.
 *
 * `operations` is the catalogue of (service, span name, kind) the Jaeger API lists, upserted by
 * ingest so the lists never scan the spans; `last_seen_ms` (span start, event time) lets
 * retention forget what no kept span has.
 */
export class AddSpanDetail1760000000001 implements MigrationInterface {
  name = 'AddSpanDetail1760000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE trace.spans
        ADD COLUMN start_us bigint,
        ADD COLUMN duration_ns bigint,
        ADD COLUMN resource jsonb,
        ADD COLUMN detail jsonb`);
    await q.query(
      'CREATE INDEX spans_service_start_idx ON trace.spans (tenant_id, service, start_ms)',
    );
    await q.query(`
      CREATE TABLE trace.operations (
        tenant_id text NOT NULL,
        service text NOT NULL,
        name text NOT NULL,
        kind smallint NOT NULL,
        last_seen_ms bigint NOT NULL,
        PRIMARY KEY (tenant_id, service, name, kind)
      )`);
    await q.query(`
      INSERT INTO trace.operations (tenant_id, service, name, kind, last_seen_ms)
      SELECT tenant_id, service, name, kind, max(start_ms) FROM trace.spans
       GROUP BY tenant_id, service, name, kind`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE trace.operations');
    await q.query('DROP INDEX trace.spans_service_start_idx');
    await q.query(
      'ALTER TABLE trace.spans DROP COLUMN start_us, DROP COLUMN duration_ns, DROP COLUMN resource, DROP COLUMN detail',
    );
  }
}

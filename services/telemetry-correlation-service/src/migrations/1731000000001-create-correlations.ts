import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per (tenant, traceId): the primary key is the spec's "exactly one correlation per
 * traceId per tenant", and the race guard of the upsert (two consumers inserting the same trace at
 * once make the second fail with a unique violation; its retry loads the row and merges into it).
 * `id` is the trace id (the kit's stores key every aggregate by `id`). Links are a JSON array in
 * canonical order; the GIN index finds the correlations linking a given record.
 */
export class CreateCorrelations1731000000001 implements MigrationInterface {
  name = 'CreateCorrelations1731000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE correlation.correlations (
        tenant_id text NOT NULL,
        id text NOT NULL CHECK (id ~ '^[0-9a-f]{32}$'),
        project_id text,
        dimensions jsonb,
        dimensions_version integer NOT NULL CHECK (dimensions_version >= 0),
        links jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        PRIMARY KEY (tenant_id, id),
        CHECK ((dimensions IS NULL) = (dimensions_version = 0))
      )`);
    await q.query(
      'CREATE INDEX correlations_links_idx ON correlation.correlations USING gin (links jsonb_path_ops)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE correlation.correlations');
  }
}

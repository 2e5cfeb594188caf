import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Append-only parts of open minutes: each ingest batch inserts the sketch of its points per
 * (stream, minute) instead of rewriting the minute's whole state, so ingest is inserts only. The
 * window-close job folds the parts into their window (compacting open minutes on every run, and
 * before a minute closes); queries add the parts not folded yet.
 */
export class WindowParts1740000000002 implements MigrationInterface {
  name = 'WindowParts1740000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metric.window_parts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        window_id text NOT NULL,
        tenant_id text NOT NULL,
        count bigint NOT NULL CHECK (count >= 0),
        state jsonb NOT NULL
      )`);
    await q.query('CREATE INDEX window_parts_window_idx ON metric.window_parts (window_id)');
    await q.query('CREATE INDEX window_parts_tenant_idx ON metric.window_parts (tenant_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE metric.window_parts');
  }
}

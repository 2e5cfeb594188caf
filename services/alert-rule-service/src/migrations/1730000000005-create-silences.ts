import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Silences (Alertmanager semantics): matchers over an alert's labels and a period. Expired ones
 * stay (readable, listed with state=expired). `silences_tenant_ends_idx` serves the lookup of the
 * silences still running when an alert fires (ends_at > now); the created index serves the list.
 */
export class CreateSilences1730000000005 implements MigrationInterface {
  name = 'CreateSilences1730000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rule.silences (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        matchers jsonb NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at >= starts_at),
        created_by text NOT NULL,
        comment text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX silences_tenant_ends_idx ON alert_rule.silences (tenant_id, ends_at)',
    );
    await q.query(
      'CREATE INDEX silences_tenant_created_idx ON alert_rule.silences (tenant_id, created_at DESC, id DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alert_rule.silences');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboards and their version history. `dashboards_name_uq` is the race guard of "unique name
 * per tenant and scope" (case-insensitive, a whole-project scope as module ''): two writers of
 * one name at once make the second fail with a unique violation, which answers 409. Versions are
 * immutable copies of each accepted definition, removed with their dashboard.
 */
export class CreateDashboards1730000000001 implements MigrationInterface {
  name = 'CreateDashboards1730000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dashboard.dashboards (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        project_id text NOT NULL,
        module_id text,
        panels jsonb NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX dashboards_name_uq ON dashboard.dashboards
       (tenant_id, project_id, coalesce(module_id, ''), lower(name))`,
    );
    await q.query(
      'CREATE INDEX dashboards_tenant_created_idx ON dashboard.dashboards (tenant_id, created_at DESC, id DESC)',
    );
    await q.query(`
      CREATE TABLE dashboard.dashboard_versions (
        dashboard_id uuid NOT NULL REFERENCES dashboard.dashboards (id) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version >= 1),
        tenant_id text NOT NULL,
        name text NOT NULL,
        project_id text NOT NULL,
        module_id text,
        panels jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (dashboard_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE dashboard.dashboard_versions');
    await q.query('DROP TABLE dashboard.dashboards');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incidents and their timeline. Two indexes carry behaviour, not just speed:
 * - `incidents_unresolved_source_uq` is the race guard of "one unresolved incident per alert
 *   fingerprint / SLO": two consumers opening the same one at once make the second fail with a
 *   unique violation, and its retry finds the first and appends a recurrence instead.
 * - `incidents_next_escalation_idx` lets the scheduler read only the due rows across tenants.
 */
export class CreateIncidents1730000000001 implements MigrationInterface {
  name = 'CreateIncidents1730000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE incident.incidents (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        module_id text,
        title text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'high', 'critical')),
        status text NOT NULL
          CHECK (status IN ('open', 'acknowledged', 'investigating', 'mitigated', 'resolved')),
        source text NOT NULL CHECK (source IN ('alert', 'slo', 'trace', 'manual')),
        source_ref text,
        trace_id text,
        opened_at timestamptz NOT NULL,
        acknowledged_at timestamptz,
        resolved_at timestamptz,
        root_cause text,
        status_changed_at timestamptz NOT NULL,
        dimensions jsonb,
        escalation_steps jsonb NOT NULL,
        next_escalation_at timestamptz,
        version integer NOT NULL CHECK (version >= 1),
        CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND root_cause IS NOT NULL))
      )`);
    await q.query(
      'CREATE INDEX incidents_tenant_opened_idx ON incident.incidents (tenant_id, opened_at DESC, id DESC)',
    );
    await q.query(
      `CREATE UNIQUE INDEX incidents_unresolved_source_uq ON incident.incidents (tenant_id, source, source_ref)
       WHERE status <> 'resolved' AND source_ref IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX incidents_next_escalation_idx ON incident.incidents (next_escalation_at)
       WHERE next_escalation_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE incident.incident_events (
        incident_id uuid NOT NULL REFERENCES incident.incidents (id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 1),
        tenant_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        type text NOT NULL,
        actor text NOT NULL,
        note text,
        PRIMARY KEY (incident_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE incident.incident_events');
    await q.query('DROP TABLE incident.incidents');
  }
}

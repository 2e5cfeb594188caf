import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `escalation_starts_at`: what escalation delays count from (the domain's escalationStartsAt).
 * It is opened_at except for an incident opened from a signal replayed past the horizon, whose
 * delays count from the intake. Rows stored before it existed counted from opened_at, so that
 * is their value; the CHECK mirrors the domain's "never before openedAt".
 */
export class EscalationStartsAt1730000000002 implements MigrationInterface {
  name = 'EscalationStartsAt1730000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incident.incidents ADD COLUMN escalation_starts_at timestamptz');
    await q.query('UPDATE incident.incidents SET escalation_starts_at = opened_at');
    await q.query('ALTER TABLE incident.incidents ALTER COLUMN escalation_starts_at SET NOT NULL');
    await q.query(
      `ALTER TABLE incident.incidents ADD CONSTRAINT incidents_escalation_start_ck
       CHECK (escalation_starts_at >= opened_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incident.incidents DROP COLUMN escalation_starts_at');
  }
}

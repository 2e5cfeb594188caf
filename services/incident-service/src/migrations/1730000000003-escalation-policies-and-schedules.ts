import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Escalation policies and on-call schedules (tenant resources), and the policy an incident
 * follows.
 * - `escalation_policies`: ordered steps (jsonb: delayMinutes, receiverIds, scheduleIds), repeats.
 * - `schedules`: rotation layers and overrides (jsonb); who is on call is computed, never stored.
 * - `*_name_uq`: one name per tenant (case-insensitive), so an alert rule's `incident` action may
 *   name a policy by name as well as by id; a clash answers 409.
 * - `incidents.escalation_policy_id`: the policy whose steps the incident copied when it opened;
 *   null for the default policy and hand-given steps (every row stored before this migration).
 *   No foreign key: a policy may be deleted while incidents that followed it stay.
 */
export class EscalationPoliciesAndSchedules1730000000003 implements MigrationInterface {
  name = 'EscalationPoliciesAndSchedules1730000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE incident.incidents ADD COLUMN escalation_policy_id uuid');
    await q.query(`
      CREATE TABLE incident.escalation_policies (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        steps jsonb NOT NULL,
        repeats integer NOT NULL CHECK (repeats >= 0),
        repeat_after_minutes integer CHECK (repeat_after_minutes > 0),
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE UNIQUE INDEX escalation_policies_name_uq ON incident.escalation_policies (tenant_id, lower(name))',
    );
    await q.query(
      'CREATE INDEX escalation_policies_tenant_created_idx ON incident.escalation_policies (tenant_id, created_at DESC, id DESC)',
    );
    await q.query(`
      CREATE TABLE incident.schedules (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        layers jsonb NOT NULL,
        overrides jsonb NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE UNIQUE INDEX schedules_name_uq ON incident.schedules (tenant_id, lower(name))',
    );
    await q.query(
      'CREATE INDEX schedules_tenant_created_idx ON incident.schedules (tenant_id, created_at DESC, id DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE incident.schedules');
    await q.query('DROP TABLE incident.escalation_policies');
    await q.query('ALTER TABLE incident.incidents DROP COLUMN escalation_policy_id');
  }
}

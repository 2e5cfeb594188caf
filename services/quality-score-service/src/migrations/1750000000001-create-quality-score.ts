import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The QualityScore rows, their revision log, and the inputs the service keeps from the events it
 * consumes (it never reads another service's tables). Constraints carry behaviour:
 * - each input table is keyed by the identity of what it records, so a redelivered event (or a
 *   re-sent check result) lands on the same row instead of counting twice;
 * - `quality_scores` has one row per (tenant, project, window): the id is derived from them;
 * - a revision is written once per stored version (`UNIQUE (quality_score_id, version)`).
 */
export class CreateQualityScore1750000000001 implements MigrationInterface {
  name = 'CreateQualityScore1750000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE quality_score.quality_scores (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        computed_at timestamptz NOT NULL,
        overall double precision NOT NULL CHECK (overall >= 0 AND overall <= 1),
        dimensions jsonb NOT NULL,
        artifact_scores jsonb NOT NULL,
        version integer NOT NULL,
        UNIQUE (tenant_id, project_id, window_start, window_end),
        CHECK (window_start < window_end)
      )`);
    await q.query(
      'CREATE INDEX quality_scores_latest_idx ON quality_score.quality_scores (tenant_id, project_id, window_end DESC, window_start DESC)',
    );
    await q.query(`
      CREATE TABLE quality_score.quality_score_revisions (
        revision_id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        quality_score_id text NOT NULL,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        computed_at timestamptz NOT NULL,
        overall double precision NOT NULL,
        dimensions jsonb NOT NULL,
        artifact_scores jsonb NOT NULL,
        version integer NOT NULL,
        UNIQUE (quality_score_id, version)
      )`);
    await q.query(
      'CREATE INDEX quality_score_revisions_project_idx ON quality_score.quality_score_revisions (tenant_id, project_id, seq DESC)',
    );
    await q.query(`
      CREATE TABLE quality_score.feedback_inputs (
        tenant_id text NOT NULL,
        feedback_item_id text NOT NULL,
        project_id text NOT NULL,
        artifact_id text,
        category text NOT NULL,
        sentiment text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, feedback_item_id)
      )`);
    await q.query(
      'CREATE INDEX feedback_inputs_project_idx ON quality_score.feedback_inputs (tenant_id, project_id, created_at)',
    );
    await q.query(`
      CREATE TABLE quality_score.incident_inputs (
        tenant_id text NOT NULL,
        incident_id text NOT NULL,
        project_id text NOT NULL,
        severity text NOT NULL,
        opened_at timestamptz NOT NULL,
        resolved_at timestamptz,
        PRIMARY KEY (tenant_id, incident_id)
      )`);
    await q.query(
      'CREATE INDEX incident_inputs_project_idx ON quality_score.incident_inputs (tenant_id, project_id, opened_at)',
    );
    await q.query(`
      CREATE TABLE quality_score.slo_breach_inputs (
        tenant_id text NOT NULL,
        slo_id text NOT NULL,
        breached_at timestamptz NOT NULL,
        project_id text NOT NULL,
        error_budget double precision NOT NULL CHECK (error_budget >= 0 AND error_budget <= 100),
        dimension text NOT NULL CHECK (dimension IN ('reliability', 'performance')),
        PRIMARY KEY (tenant_id, slo_id, breached_at)
      )`);
    await q.query(
      'CREATE INDEX slo_breach_inputs_project_idx ON quality_score.slo_breach_inputs (tenant_id, project_id, breached_at)',
    );
    await q.query(`
      CREATE TABLE quality_score.check_results (
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        check_id text NOT NULL,
        source text NOT NULL,
        name text NOT NULL,
        dimension text NOT NULL CHECK (dimension IN ('maintainability', 'correctness')),
        outcome text NOT NULL CHECK (outcome IN ('passed', 'failed')),
        completed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, project_id, check_id)
      )`);
    await q.query(
      'CREATE INDEX check_results_project_idx ON quality_score.check_results (tenant_id, project_id, completed_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'check_results',
      'slo_breach_inputs',
      'incident_inputs',
      'feedback_inputs',
      'quality_score_revisions',
      'quality_scores',
    ]) {
      await q.query(`DROP TABLE IF EXISTS quality_score.${table}`);
    }
  }
}

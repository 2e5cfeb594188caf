import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Feedback items and their attachments, the Idempotency-Key memory of POST /v1/feedback, and the
 * export jobs. The CHECKs mirror the domain's enumerations and lifecycle so a row written by hand
 * cannot hold what the aggregate would refuse to rehydrate.
 */
export class CreateFeedback1740000000001 implements MigrationInterface {
  name = 'CreateFeedback1740000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE feedback.feedback_items (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text,
        artifact_id text,
        source text NOT NULL CHECK (source IN ('incident', 'runtime-signal', 'human', 'agent')),
        source_id text,
        category text NOT NULL
          CHECK (category IN ('reliability', 'performance', 'cost', 'maintainability', 'correctness')),
        sentiment text NOT NULL CHECK (sentiment IN ('positive', 'neutral', 'negative')),
        summary text NOT NULL,
        detail text,
        trace_id text,
        status text NOT NULL CHECK (status IN ('captured', 'routed', 'applied')),
        routed_to text,
        created_at timestamptz NOT NULL,
        routed_at timestamptz,
        applied_at timestamptz,
        applied_change_ref text,
        version integer NOT NULL CHECK (version >= 1),
        CHECK (project_id IS NOT NULL OR artifact_id IS NOT NULL),
        CHECK ((status = 'applied') = (applied_at IS NOT NULL AND applied_change_ref IS NOT NULL))
      )`);
    // The list's keyset order (newest first) within a tenant; filters narrow that range.
    await q.query(
      'CREATE INDEX feedback_items_tenant_created_idx ON feedback.feedback_items (tenant_id, created_at DESC, id DESC)',
    );
    await q.query(
      'CREATE INDEX feedback_items_tenant_project_idx ON feedback.feedback_items (tenant_id, project_id, created_at DESC, id DESC)',
    );
    await q.query(`
      CREATE TABLE feedback.feedback_attachments (
        id uuid PRIMARY KEY,
        feedback_item_id uuid NOT NULL REFERENCES feedback.feedback_items (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        seq integer NOT NULL CHECK (seq >= 1),
        blob_ref text NOT NULL UNIQUE,
        kind text NOT NULL,
        content_type text NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes >= 0),
        file_name text,
        attached_at timestamptz NOT NULL,
        UNIQUE (feedback_item_id, seq)
      )`);
    // Keys are per tenant: two tenants may use the same key for unrelated requests.
    await q.query(`
      CREATE TABLE feedback.idempotency_keys (
        tenant_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        -- NULL only inside the claiming transaction, which writes both before it commits.
        feedback_item_id uuid,
        response jsonb,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, key)
      )`);
    await q.query(
      'CREATE INDEX idempotency_keys_created_idx ON feedback.idempotency_keys (created_at)',
    );
    await q.query(`
      CREATE TABLE feedback.feedback_exports (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        filter jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        started_at timestamptz,
        completed_at timestamptz,
        blob_ref text,
        item_count integer,
        size_bytes bigint,
        error text,
        CHECK ((status = 'succeeded') = (blob_ref IS NOT NULL AND completed_at IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX feedback_exports_pending_idx ON feedback.feedback_exports (requested_at)
       WHERE status IN ('queued', 'running')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE feedback.feedback_exports');
    await q.query('DROP TABLE feedback.idempotency_keys');
    await q.query('DROP TABLE feedback.feedback_attachments');
    await q.query('DROP TABLE feedback.feedback_items');
  }
}

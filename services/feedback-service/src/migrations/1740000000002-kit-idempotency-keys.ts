import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Keys moved into the kit's `idempotent_requests` (every create route may take one):
 * the keys still remembered are carried over with their first answers, then the service's own
 * table goes. Keys were kept 24 hours by default; that is their expiry here.
 */
export class KitIdempotencyKeys1740000000002 implements MigrationInterface {
  name = 'KitIdempotencyKeys1740000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO feedback.idempotent_requests
        (tenant_id, operation, key, request_hash, resource_id, response, created_at, expires_at)
      SELECT tenant_id, 'POST /v1/feedback', key, request_hash, feedback_item_id::text,
        jsonb_build_object('id', feedback_item_id, 'version', (response->>'version')::int,
          'body', response),
        created_at, created_at + interval '24 hours'
      FROM feedback.idempotency_keys WHERE response IS NOT NULL`);
    await q.query('DROP TABLE feedback.idempotency_keys');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE feedback.idempotency_keys (
        tenant_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        feedback_item_id uuid,
        response jsonb,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, key)
      )`);
    await q.query(
      'CREATE INDEX idempotency_keys_created_idx ON feedback.idempotency_keys (created_at)',
    );
  }
}

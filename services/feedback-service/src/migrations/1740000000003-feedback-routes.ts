import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing rules of the improvement loop, and what the inbox reads:
 * - `feedback_routes`: one row per rule, tried by position: one rule per position and tenant, so
 *   the order is always explicit (a second rule at a taken position answers 409);
 * - `feedback_items.module_id`: the module an item is about (a routing label);
 * - the inbox index: an agent's items newest first, (tenant, routed_to, created_at, id).
 */
export class FeedbackRoutes1740000000003 implements MigrationInterface {
  name = 'FeedbackRoutes1740000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE feedback.feedback_routes (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        matchers jsonb NOT NULL,
        route_to text NOT NULL,
        receiver_id text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        UNIQUE (tenant_id, position)
      )`);
    await q.query('ALTER TABLE feedback.feedback_items ADD COLUMN module_id text');
    await q.query(
      'CREATE INDEX feedback_items_inbox_idx ON feedback.feedback_items (tenant_id, routed_to, created_at DESC, id DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX feedback.feedback_items_inbox_idx');
    await q.query('ALTER TABLE feedback.feedback_items DROP COLUMN module_id');
    await q.query('DROP TABLE feedback.feedback_routes');
  }
}

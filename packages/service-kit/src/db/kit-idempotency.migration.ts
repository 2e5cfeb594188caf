import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from './migration-schema.js';

/**
 * The Idempotency-Key table of every service (the kit's create routes): one row per tenant,
 * operation and key, with the first answer. `resource_id` and `response` are NULL only inside the
 * claiming transaction, which writes both before it commits.
 */
export class KitIdempotency1700000000002 implements MigrationInterface {
  name = 'KitIdempotency1700000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.idempotent_requests (
        tenant_id text NOT NULL,
        operation text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        resource_id text,
        response jsonb,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, operation, key)
      )`);
    await queryRunner.query(
      `CREATE INDEX idempotent_requests_expires_idx ON ${s}.idempotent_requests (expires_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${schemaOf(queryRunner)}.idempotent_requests`);
  }
}

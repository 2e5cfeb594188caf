import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from './migration-schema.js';

/** Lets the retention job find old rows without scanning the outbox and inbox whole. */
export class KitRetentionIndexes1700000000001 implements MigrationInterface {
  name = 'KitRetentionIndexes1700000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(
      `CREATE INDEX outbox_sent_at_idx ON ${s}.outbox (sent_at) WHERE sent_at IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX inbox_processed_at_idx ON ${s}.inbox (processed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX ${s}.inbox_processed_at_idx`);
    await queryRunner.query(`DROP INDEX ${s}.outbox_sent_at_idx`);
  }
}

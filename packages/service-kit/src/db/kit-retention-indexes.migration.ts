import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('the data source has no schema');
  return `"${schema}"`;
}

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

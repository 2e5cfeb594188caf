import type { QueryRunner } from 'typeorm';

/** The quoted schema of the data source a kit migration runs in. */
export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('the data source has no schema');
  return `"${schema}"`;
}

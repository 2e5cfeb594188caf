import { Client } from 'pg';
import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { KitIdempotency1700000000002 } from './kit-idempotency.migration.js';
import { KitRetentionIndexes1700000000001 } from './kit-retention-indexes.migration.js';
import { KitTables1700000000000 } from './kit-tables.migration.js';

type MigrationClass = new () => object;

export interface DataSourceOptions {
  readonly url: string;
  readonly schema: string;
  readonly entities: readonly EntitySchema[];
  readonly migrations: readonly MigrationClass[];
  /** Connections in the pool (DATABASE_POOL_SIZE; default 10). */
  readonly poolSize?: number;
}

export const DEFAULT_POOL_SIZE = 10;

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]*$/;

export function quoteIdent(name: string): string {
  if (!SCHEMA_PATTERN.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

/**
 * One TypeORM DataSource per service schema. TypeORM neither creates the schema nor puts its
 * migrations table there by itself, so the schema is created first and the table is named into it.
 * The schema is created only when missing (a least-privilege role owns its existing schema).
 * The kit's tables (outbox, inbox, idempotent requests) are the first migrations of every service.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const schema = quoteIdent(options.schema);
  const client = new Client({ connectionString: options.url });
  await client.connect();
  try {
    // Only when missing: CREATE SCHEMA needs CREATE on the database even with IF NOT EXISTS, and a
    // service's least-privilege role (tools/db-roles.ts) owns its schema but may create none.
    const existing = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
      options.schema,
    ]);
    if (existing.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } finally {
    await client.end();
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities as MixedList<EntitySchema>,
    migrations: [
      KitTables1700000000000,
      KitRetentionIndexes1700000000001,
      KitIdempotency1700000000002,
      ...options.migrations,
    ] as MixedList<MigrationClass>,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? DEFAULT_POOL_SIZE, application_name: options.schema },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}

import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { startPostgres } from './postgres.js';

describe('PostgreSQL from the global setup', () => {
  it('answers SELECT 1 on 127.0.0.1', async () => {
    const { databaseUrl } = inject('infra');
    expect(new URL(databaseUrl).hostname).toBe('127.0.0.1');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const result = await client.query<{ one: number }>('SELECT 1 AS one');
      expect(result.rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('is in process.env too, and startPostgres() then reuses it instead of starting another', async () => {
    expect(process.env.DATABASE_URL).toBe(inject('infra').databaseUrl);
    const reused = await startPostgres();
    expect(reused).toMatchObject({ url: inject('infra').databaseUrl, external: true });
    await reused.stop();
  });
});

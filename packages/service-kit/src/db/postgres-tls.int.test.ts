import { startPostgres, type PostgresInstance } from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';
import { bearer, startTestService } from '../testing/index.js';

// A server of this test's own with ssl=on and a certificate generated now, so DATABASE_URL's TLS
// modes are tested against a real handshake and real certificate verification.
let server: PostgresInstance;
let caFile: string;

beforeAll(async () => {
  server = await startPostgres({ tls: true, ignoreEnvironment: true });
  if (!server.caFile) throw new Error('the server started without TLS');
  caFile = server.caFile;
}, 120_000);
afterAll(async () => server.stop());

const withParams = (params: string) => `${server.url}?${params}`;

async function sslOfOtherSessions(url: string): Promise<boolean[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean }>(
      `SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
        WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()`,
    );
    return rows.map((row) => row.ssl);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL over TLS, against a real server', () => {
  for (const mode of ['verify-full', 'require']) {
    it(`a service with DATABASE_URL sslmode=${mode} runs, and every connection it holds is TLS`, async () => {
      const url = withParams(`sslmode=${mode}&sslrootcert=${encodeURIComponent(caFile)}`);
      const service = await startTestService(widgetFixtureService, {
        kafka: false,
        env: { DATABASE_URL: url },
      });
      try {
        const res = await service.app.inject({
          method: 'POST',
          url: '/v1/widgets',
          headers: bearer(`tenant-tls-${randomUUID().slice(0, 8)}`, ['write']),
          payload: { name: 'over tls', panelCount: 1 },
        });
        expect(res.statusCode).toBe(201);
        const sessions = await sslOfOtherSessions(url);
        expect(sessions.length).toBeGreaterThan(0);
        expect(sessions.every(Boolean)).toBe(true);
      } finally {
        await service.close();
      }
    });
  }

  it('refuses a server whose certificate it cannot verify (verify-full without the CA)', async () => {
    const client = new pg.Client({ connectionString: withParams('sslmode=verify-full') });
    await expect(client.connect()).rejects.toThrow(/self.signed certificate/);
    await client.end().catch(() => undefined);
  });
});

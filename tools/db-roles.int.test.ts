import { startPostgres, type PostgresInstance } from '@obs/local-infra';
import { createDashboardService } from '@obs/dashboard-service';
import {
  applyRoleBootstrap,
  roleName,
  type RunningService,
  type ServiceRole,
} from '@obs/service-kit';
import { bearer, startTestService } from '@obs/service-kit/testing';
import { createSloService } from '@obs/slo-service';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A server of this test's own (roles are cluster-wide; the shared server keeps its admin-owned
// schemas): the deployment's path, from apps connecting as the admin to one role per schema.
let server: PostgresInstance;
const dashboard = createDashboardService({
  metricServiceUrl: '',
  sloServiceUrl: '',
  upstreamTimeoutMs: 1000,
  retryAfterSeconds: 1,
  grafanaDatasourceUrl: '',
});
const slo = createSloService();
const roles: ServiceRole[] = [
  { schema: dashboard.schema, password: 'dashboard-password-0123456789' },
  { schema: slo.schema, password: "slo-password-with-'quote-0123" },
];

function urlAs(role: ServiceRole): string {
  const url = new URL(server.url);
  url.username = roleName(role.schema);
  url.password = role.password ?? '';
  return url.toString();
}

async function asRole<T>(role: ServiceRole, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlAs(role) });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const PERMISSION_DENIED = '42501';

beforeAll(async () => {
  server = await startPostgres({ ignoreEnvironment: true });
}, 120_000);
afterAll(async () => server.stop());

describe('pnpm db:roles against a real PostgreSQL', () => {
  it('hands over a schema an admin-connected service created, idempotently', async () => {
    // Before the roles: the service connected as the admin and owns nothing of its own.
    const before = await startTestService(dashboard, {
      kafka: false,
      runConsumers: false,
      runJobs: false,
      env: { DATABASE_URL: server.url },
    });
    await before.close();

    const first = await applyRoleBootstrap(server.url, roles);
    expect(first.generated.size).toBe(0);
    const second = await applyRoleBootstrap(server.url, roles);
    expect(second.sql).toBe(first.sql);

    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ owner: string }>(
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
        [dashboard.schema],
      );
      expect(rows.map((row) => row.owner)).toEqual([roleName(dashboard.schema)]);
    } finally {
      await admin.end();
    }
  });

  it('each service starts as its own role: migrates and answers /readyz', async () => {
    const started: RunningService[] = [];
    try {
      for (const [definition, role] of [
        [dashboard, roles[0]],
        [slo, roles[1]],
      ] as const) {
        // On Kafka, as deployed (the laptop's PostgreSQL bus has a shared schema of its own).
        const service = await startTestService(definition, {
          runConsumers: false,
          runJobs: false,
          env: { DATABASE_URL: urlAs(role!) },
        });
        started.push(service);
        const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
        expect(ready.statusCode, ready.body).toBe(200);
        const [migrations] = await service.ctx.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM ${service.ctx.table('migrations')}`,
        );
        expect(migrations?.n).toBeGreaterThan(3);
      }
      const list = await started[1]!.app.inject({
        method: 'GET',
        url: '/v1/slos',
        headers: bearer('tenant-roles', ['read']),
      });
      expect(list.statusCode, list.body).toBe(200);
    } finally {
      for (const service of started) await service.close();
    }
  });

  it('a role cannot read another service schema nor create in public or a new schema', async () => {
    const [dashboardRole, sloRole] = roles as [ServiceRole, ServiceRole];
    await asRole(dashboardRole, async (client) => {
      expect(await sqlState(client.query(`SELECT * FROM "slo".migrations`))).toBe(
        PERMISSION_DENIED,
      );
      expect(await sqlState(client.query('CREATE TABLE public.intruder (id int)'))).toBe(
        PERMISSION_DENIED,
      );
      expect(await sqlState(client.query('CREATE SCHEMA intruder'))).toBe(PERMISSION_DENIED);
      const { rows } = await client.query<{ search_path: string }>('SHOW search_path');
      expect(rows[0]?.search_path).toBe('dashboard');
    });
    await asRole(sloRole, async (client) => {
      expect(await sqlState(client.query(`SELECT * FROM "dashboard".dashboards`))).toBe(
        PERMISSION_DENIED,
      );
      expect(await sqlState(client.query(`DROP SCHEMA "dashboard" CASCADE`))).toBe(
        PERMISSION_DENIED,
      );
    });
  });

  it('rotates a password given again, and generates one for a new role only', async () => {
    const rotated = { ...roles[0]!, password: 'dashboard-rotated-0123456789' };
    await applyRoleBootstrap(server.url, [rotated]);
    await expect(asRole(rotated, (client) => client.query('SELECT 1'))).resolves.toBeDefined();
    expect(await sqlState(asRole(roles[0]!, (client) => client.query('SELECT 1')))).toBe('28P01');

    const fresh = await applyRoleBootstrap(server.url, [{ schema: 'roles_fresh' }]);
    const password = fresh.generated.get('roles_fresh');
    expect(password).toBeDefined();
    await expect(
      asRole({ schema: 'roles_fresh', password }, (client) => client.query('SELECT 1')),
    ).resolves.toBeDefined();
    const again = await applyRoleBootstrap(server.url, [{ schema: 'roles_fresh' }]);
    expect(again.generated.size).toBe(0);
    await expect(
      asRole({ schema: 'roles_fresh', password }, (client) => client.query('SELECT 1')),
    ).resolves.toBeDefined();
  });

  it('runs as a non-superuser admin with CREATEROLE, as on Azure', async () => {
    // Azure's server admin is no superuser: a CREATEROLE member of azure_pg_admin owning the database.
    const adminPassword = 'azure-like-admin-0123456789';
    const superuser = new pg.Client({ connectionString: server.url });
    await superuser.connect();
    try {
      await superuser.query(
        `CREATE ROLE azure_like_admin LOGIN CREATEROLE CREATEDB PASSWORD '${adminPassword}'`,
      );
      await superuser.query('CREATE DATABASE azure_like OWNER azure_like_admin');
    } finally {
      await superuser.end();
    }
    const adminUrl = new URL(server.url);
    adminUrl.username = 'azure_like_admin';
    adminUrl.password = adminPassword;
    adminUrl.pathname = '/azure_like';
    const role = { schema: 'azure_like', password: 'azure-like-role-0123456789' };
    await applyRoleBootstrap(adminUrl.toString(), [role]);
    await applyRoleBootstrap(adminUrl.toString(), [role]);
    const roleUrl = new URL(adminUrl);
    roleUrl.username = roleName(role.schema);
    roleUrl.password = role.password;
    const client = new pg.Client({ connectionString: roleUrl.toString() });
    await client.connect();
    try {
      await client.query('CREATE TABLE azure_like.things (id int)');
      expect(await sqlState(client.query('CREATE TABLE public.intruder (id int)'))).toBe(
        PERMISSION_DENIED,
      );
      const { rows } = await client.query<{ super: boolean }>(
        'SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user',
      );
      expect(rows[0]?.super).toBe(false);
    } finally {
      await client.end();
    }
  });
});

import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';
import { topicFor } from '@obs/event-envelope';
import { cpuBetween, sampleCpu, type CpuSample } from '@obs/local-infra';

export interface HttpResult {
  readonly path: string;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  /** Mean bytes per response (headers and body) as autocannon received them. */
  readonly bytesPerResponse: number;
  /** CPU ms per response: the servers' thread, PostgreSQL, Kafka (undefined off Linux). */
  readonly cpuPerRequest: CpuSample | undefined;
}

export interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
}

export interface LoadRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  /** A fixed JSON body: every POST opens a new incident (the server picks the id). */
  readonly body?: string;
}

/**
 * Runs autocannon against one request shape and keeps what the table needs. The load generator
 * runs in a worker thread: on the servers' own event loop it would add its per-request cost to
 * both sides of every ratio and flatter the slower path.
 */
export async function load(
  path: string,
  request: LoadRequest,
  options: LoadOptions,
): Promise<HttpResult> {
  const before = sampleCpu();
  const result = await autocannon({
    url: request.url,
    method: request.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
    connections: options.connections,
    duration: options.seconds,
    workers: 1,
  });
  const cpu = cpuBetween(before, sampleCpu());
  const responses = result.requests.total;
  return {
    path,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    bytesPerResponse: responses > 0 ? result.throughput.total / responses : Number.NaN,
    cpuPerRequest: cpu && {
      main: cpu.main / responses,
      postgres: cpu.postgres / responses,
      kafka: cpu.kafka / responses,
    },
  };
}

const INCIDENT_TOPIC = topicFor('IncidentOpened');

/** The tables a manual incident writes: the incident, its timeline and the kit's outbox. */
const MIRRORED_TABLES = ['incidents', 'incident_events', 'outbox'] as const;

/** The service's default escalation policy as stored (DEFAULT_ESCALATION_POLICY, not yet paged). */
const ESCALATION_STEPS = [
  { level: 1, target: 'on-call-primary', delayMinutes: 5, at: null },
  { level: 2, target: 'on-call-secondary', delayMinutes: 15, at: null },
  { level: 3, target: 'engineering-manager', delayMinutes: 30, at: null },
];

/** The columns GET /v1/incidents/{id} reads (TypeORM's findOneBy lists them all), as the API names them. */
const VIEW_COLUMNS = `id, tenant_id AS "tenantId", project_id AS "projectId", module_id AS "moduleId",
  title, severity, status, source, source_ref AS "sourceRef", trace_id AS "traceId",
  opened_at AS "openedAt", acknowledged_at AS "acknowledgedAt", resolved_at AS "resolvedAt",
  root_cause AS "rootCause", status_changed_at AS "statusChangedAt", dimensions,
  escalation_steps AS "escalationSteps", next_escalation_at AS "nextEscalationAt", version`;

/**
 * Copies the service's tables into the bench's own schema with `LIKE ... INCLUDING ALL` (columns,
 * defaults, CHECK and NOT NULL constraints, primary keys, unique and partial indexes), plus what
 * LIKE leaves out: foreign keys and an own sequence for serial ids. Read from the live, migrated
 * schema, so the baseline keeps up with the service's migrations without a copy of their DDL.
 * Returns a one-line summary of what was created, for the bench's header.
 */
async function mirrorSchema(pool: pg.Pool, source: string, target: string): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
    await client.query(`CREATE SCHEMA "${target}"`);
    for (const table of MIRRORED_TABLES) {
      await client.query(
        `CREATE TABLE "${target}"."${table}" (LIKE "${source}"."${table}" INCLUDING ALL)`,
      );
      const serials = await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = $2 AND column_default LIKE 'nextval(%'`,
        [source, table],
      );
      for (const { column_name: column } of serials.rows) {
        const sequence = `"${target}"."${table}_${column}_seq"`;
        await client.query(
          `CREATE SEQUENCE ${sequence} OWNED BY "${target}"."${table}"."${column}"`,
        );
        await client.query(
          `ALTER TABLE "${target}"."${table}" ALTER COLUMN "${column}" SET DEFAULT nextval('${sequence}')`,
        );
      }
    }
    const foreignKeys = await client.query<{ table: string; name: string; definition: string }>(
      `SELECT c.conrelid::regclass::text AS table, c.conname AS name,
              pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE n.nspname = $1 AND c.contype = 'f'`,
      [source],
    );
    for (const fk of foreignKeys.rows) {
      const table = fk.table.split('.').pop() ?? '';
      if (!(MIRRORED_TABLES as readonly string[]).includes(table)) continue;
      const definition = fk.definition.replaceAll(`REFERENCES ${source}.`, `REFERENCES ${target}.`);
      await client.query(
        `ALTER TABLE "${target}"."${table}" ADD CONSTRAINT "${fk.name}" ${definition}`,
      );
    }
    await client.query('COMMIT');
    const count = async (sql: string, schema: string): Promise<number> =>
      Number((await client.query<{ n: string }>(sql, [schema, [...MIRRORED_TABLES]])).rows[0]?.n);
    const indexes = `SELECT count(*) AS n FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2)`;
    const constraints = `SELECT count(*) AS n FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND t.relname = ANY($2)`;
    const si = await count(indexes, source);
    const ti = await count(indexes, target);
    const sc = await count(constraints, source);
    const tc = await count(constraints, target);
    if (si !== ti || sc !== tc)
      throw new Error(
        `${target} differs from ${source}: indexes ${ti}/${si}, constraints ${tc}/${sc}`,
      );
    return `${target}: ${MIRRORED_TABLES.join(', ')} copied from ${source} (${ti} indexes, ${tc} constraints)`;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface BareServer {
  readonly url: string;
  /** What the bare schema holds, checked against the service's. */
  readonly schemaSummary: string;
  close(): Promise<void>;
}

/**
 * The baselines: bare Fastify routes over pg doing the service's database work and nothing else
 * (no auth, validation, domain model, ORM, tracing or rate limit).
 * - GET `/bare/:tenant/:id`: the single-row SELECT of GET /v1/incidents/{id} (same columns, same
 *   WHERE, LIMIT 1), answered with the same JSON shape (camelCase view, ISO times).
 * - POST `/bare/:tenant`: in ONE transaction, the statements POST /v1/incidents sends for a
 *   manual incident: the incident row, its first timeline line, one outbox row carrying an
 *   IncidentOpened-shaped envelope of the same size, and NOTIFY on the outbox channel; answered
 *   201 with the incident view and a Location header.
 * Both run over `schema`, a copy of the service's tables made at start (see mirrorSchema).
 */
export async function startBareServer(
  databaseUrl: string,
  options: { readonly sourceSchema: string; readonly schema: string },
): Promise<BareServer> {
  const { schema } = options;
  // TypeORM's pool in the kit is pg's with max 10.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const schemaSummary = await mirrorSchema(pool, options.sourceSchema, schema);
  const app = Fastify();
  app.get<{ Params: { tenant: string; id: string } }>(
    '/bare/:tenant/:id',
    async (request, reply) => {
      const { rows } = await pool.query(
        `SELECT ${VIEW_COLUMNS} FROM "${schema}".incidents WHERE id = $1 AND tenant_id = $2 LIMIT 1`,
        [request.params.id, request.params.tenant],
      );
      const row = rows[0] as Record<string, unknown> | undefined;
      if (!row) return reply.code(404).send({ status: 404 });
      return reply.header('etag', `"${String(row.version)}"`).send(row);
    },
  );
  app.post<{
    Params: { tenant: string };
    Body: { title: string; severity: string; projectId: string };
  }>('/bare/:tenant', async (request, reply) => {
    const tenantId = request.params.tenant;
    const { title, severity, projectId } = request.body;
    const id = randomUUID();
    const eventId = randomUUID();
    const openedAt = new Date();
    const at = openedAt.toISOString();
    const nextEscalationAt = new Date(openedAt.getTime() + 5 * 60_000);
    const envelope = JSON.stringify({
      specVersion: '1.0',
      eventId,
      eventType: 'IncidentOpened',
      eventVersion: 1,
      occurredAt: at,
      producer: 'incident-service',
      tenantId,
      traceId: null,
      correlationId: null,
      causationId: null,
      aggregate: { type: 'Incident', id, version: 1 },
      payload: {
        incidentId: id,
        title,
        severity,
        source: 'manual',
        sourceRef: null,
        projectId,
        moduleId: null,
        openedAt: at,
        dimensions: null,
      },
    });
    const headers = JSON.stringify({ 'event-type': 'IncidentOpened', 'tenant-id': tenantId });
    const client = await pool.connect();
    try {
      await client.query('START TRANSACTION');
      await client.query(
        `INSERT INTO "${schema}"."incidents"("id", "tenant_id", "project_id", "module_id", "title",
           "severity", "status", "source", "source_ref", "trace_id", "opened_at", "acknowledged_at",
           "resolved_at", "root_cause", "status_changed_at", "dimensions", "escalation_steps",
           "next_escalation_at", "version", "escalation_starts_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
        [
          id,
          tenantId,
          projectId,
          null,
          title,
          severity,
          'open',
          'manual',
          null,
          null,
          openedAt,
          null,
          null,
          null,
          openedAt,
          null,
          JSON.stringify(ESCALATION_STEPS),
          nextEscalationAt,
          1,
          openedAt, // escalation starts when a manual incident opens
        ],
      );
      await client.query(
        `INSERT INTO "${schema}"."incident_events"("incident_id", "seq", "tenant_id", "occurred_at",
           "type", "actor", "note") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, 1, tenantId, openedAt, 'opened', 'dev-user', null],
      );
      await client.query(
        `INSERT INTO "${schema}".outbox (event_id, topic, message_key, envelope, headers)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
        [[eventId], [INCIDENT_TOPIC], [id], [envelope], [headers]],
      );
      await client.query(`NOTIFY "${schema}_outbox"`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return reply.code(201).header('location', `/v1/incidents/${id}`).header('etag', '"1"').send({
      id,
      tenantId,
      projectId,
      moduleId: null,
      title,
      severity,
      status: 'open',
      source: 'manual',
      sourceRef: null,
      traceId: null,
      dimensions: null,
      openedAt: at,
      acknowledgedAt: null,
      resolvedAt: null,
      rootCause: null,
      statusChangedAt: at,
      escalationSteps: ESCALATION_STEPS,
      nextEscalationAt: nextEscalationAt.toISOString(),
      version: 1,
    });
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    schemaSummary,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

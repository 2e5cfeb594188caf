import { DomainError, type DomainEvent, type TenantId } from '@obs/domain';
import { topicFor } from '@obs/event-envelope';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { EntitySchema, type MigrationInterface, type QueryRunner } from 'typeorm';
import { z } from 'zod';
import type { ServiceContext, ServiceDefinition } from '../src/build-service.js';
import type { ConsumerDefinition } from '../src/consumers/consumer-runner.js';
import { assertVersion, ifMatchVersion, setEtag } from '../src/http/etag.js';
import { notFound } from '../src/problem.js';
import { saveVersioned } from '../src/db/versioned-save.js';

/**
 * A test-only service that exercises the kit end to end. Its "widget" reuses the DashboardDefined
 * event contract so envelopes validate against a real registered schema.
 */
interface WidgetRow {
  id: string;
  tenantId: string;
  name: string;
  panelCount: number;
  version: number;
}

const WidgetEntity = new EntitySchema<WidgetRow>({
  name: 'Widget',
  tableName: 'widgets',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    panelCount: { type: 'integer', name: 'panel_count' },
    version: { type: 'integer' },
  },
});

class CreateWidgets1700000000001 implements MigrationInterface {
  name = 'CreateWidgets1700000000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE kit_fixture.widgets (id uuid PRIMARY KEY, tenant_id text NOT NULL, name text NOT NULL,
       panel_count integer NOT NULL, version integer NOT NULL, UNIQUE (tenant_id, name))`,
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kit_fixture.widgets');
  }
}

/** Deliberately no unique key: a duplicate effect must show up as a second row. */
class CreateEffects1700000000002 implements MigrationInterface {
  name = 'CreateEffects1700000000002';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE kit_fixture.effects (event_id uuid NOT NULL, widget_name text NOT NULL)',
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kit_fixture.effects');
  }
}

/** Names starting with this make the consumer refuse the event: a DomainError, a poison message. */
export const POISON_PREFIX = 'poison-';
/** Names starting with this fail with a serialization failure twice, then apply. */
export const FLAKY_PREFIX = 'flaky-';
/** Names starting with this fail with a serialization failure on every attempt. */
export const STUCK_PREFIX = 'stuck-';

/** Names starting with this are refused like poison until `repairWidget(name)`: a bug fixed, then replayed. */
export const REPAIRABLE_PREFIX = 'repairable-';
const repaired = new Set<string>();
export const repairWidget = (name: string): void => void repaired.add(name);

const flakyAttempts = new Map<string, number>();
const serializationFailure = (): Error =>
  Object.assign(new Error('could not serialize access due to concurrent update'), {
    code: '40001',
  });

const widgetEffects: ConsumerDefinition = {
  name: 'widget-effects',
  topics: [topicFor('DashboardDefined')],
  eventTypes: ['DashboardDefined'],
  // Tests publish before the group has joined: it must see them.
  startFrom: 'earliest',
  async handle(envelope, tx) {
    if (envelope.eventType !== 'DashboardDefined') return;
    const name = envelope.payload.name;
    if (name.startsWith(POISON_PREFIX)) {
      throw new DomainError('widget.cannot_apply', `cannot apply ${name}`);
    }
    if (name.startsWith(REPAIRABLE_PREFIX) && !repaired.has(name)) {
      throw new DomainError('widget.not_yet_repaired', `cannot apply ${name} yet`);
    }
    if (name.startsWith(STUCK_PREFIX)) throw serializationFailure();
    if (name.startsWith(FLAKY_PREFIX)) {
      const attempts = (flakyAttempts.get(envelope.eventId) ?? 0) + 1;
      flakyAttempts.set(envelope.eventId, attempts);
      if (attempts <= 2) throw serializationFailure();
    }
    await tx.manager.query(
      'INSERT INTO kit_fixture.effects (event_id, widget_name) VALUES ($1, $2)',
      [envelope.eventId, name],
    );
  },
};

const widgetBody = z
  .strictObject({
    name: z.string().min(1).max(100).describe('Widget name, unique per tenant'),
    panelCount: z.number().int().describe('Number of panels; must be at least 1'),
  })
  .meta({ example: { name: 'latency', panelCount: 2 } });
const widgetSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  panelCount: z.number().int(),
  version: z.number().int(),
});
const idParams = z.object({ id: z.uuid() });

function definedEvent(row: WidgetRow): DomainEvent {
  if (row.panelCount < 1)
    throw new DomainError('widget.no_panels', 'a widget needs at least one panel');
  return {
    eventType: 'DashboardDefined',
    aggregateType: 'DashboardDefinition',
    aggregateId: row.id,
    tenantId: row.tenantId as TenantId,
    traceId: null,
    occurredAt: new Date().toISOString(),
    payload: {
      dashboardId: row.id,
      name: row.name,
      scope: { projectId: 'fixture', moduleId: null },
      panelCount: row.panelCount,
      version: row.version,
    },
  };
}

const toDto = (row: WidgetRow) => ({
  id: row.id,
  name: row.name,
  panelCount: row.panelCount,
  version: row.version,
});

function widgetRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const repo = ctx.dataSource.getRepository(WidgetEntity);

  r.post(
    '/v1/widgets',
    {
      config: { scope: 'write' },
      schema: { description: 'Create a widget', body: widgetBody, response: { 201: widgetSchema } },
    },
    async (request, reply) => {
      const row: WidgetRow = {
        id: crypto.randomUUID(),
        tenantId: request.auth.tenantId,
        ...request.body,
        version: 1,
      };
      await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        const event = definedEvent(row);
        await saveVersioned(tx.manager, WidgetEntity, row, 0);
        await tx.publish([event], row.version);
      });
      return reply.code(201).header('location', `/v1/widgets/${row.id}`).send(toDto(row));
    },
  );

  r.get(
    '/v1/widgets/:id',
    {
      config: { scope: 'read' },
      schema: { description: 'Get a widget', params: idParams, response: { 200: widgetSchema } },
    },
    async (request, reply) => {
      const row = await repo.findOneBy({ id: request.params.id, tenantId: request.auth.tenantId });
      if (!row) throw notFound('widget', request.params.id);
      setEtag(reply, row.version);
      return toDto(row);
    },
  );

  r.put(
    '/v1/widgets/:id',
    {
      config: { scope: 'write' },
      schema: {
        description: 'Replace a widget',
        params: idParams,
        body: widgetBody,
        response: { 200: widgetSchema },
      },
    },
    async (request) => {
      const expected = ifMatchVersion(request);
      return ctx.uow.run({ context: request.otelContext }, async (tx) => {
        const widgets = tx.manager.getRepository(WidgetEntity);
        const row = await widgets.findOneBy({
          id: request.params.id,
          tenantId: request.auth.tenantId,
        });
        if (!row) throw notFound('widget', request.params.id);
        assertVersion(expected, row.version);
        const next: WidgetRow = { ...row, ...request.body, version: row.version + 1 };
        const event = definedEvent(next);
        await saveVersioned(tx.manager, WidgetEntity, next, row.version);
        await tx.publish([event], next.version);
        return toDto(next);
      });
    },
  );
}

export const widgetFixtureService: ServiceDefinition = {
  name: 'kit-fixture-service',
  schema: 'kit_fixture',
  defaultPort: 0,
  openapi: {
    title: 'kit fixture',
    description: 'Test-only service built with the service kit',
    version: '1.0.0',
  },
  entities: [WidgetEntity],
  migrations: [CreateWidgets1700000000001, CreateEffects1700000000002],
  topics: [topicFor('DashboardDefined')],
  compose: (ctx) => ({ routes: (app) => widgetRoutes(app, ctx), consumers: [widgetEffects] }),
};

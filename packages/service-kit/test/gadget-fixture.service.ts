import { randomUUID } from 'node:crypto';
import { DomainError, type DomainEvent, type TenantId } from '@obs/domain';
import { topicFor } from '@obs/event-envelope';
import { EntitySchema, type MigrationInterface, type QueryRunner } from 'typeorm';
import { z } from 'zod';
import { AggregateStore, type AggregateMapper } from '../src/aggregate/aggregate-store.js';
import { commandRoute, createRoute } from '../src/aggregate/aggregate-routes.js';
import { deleteRoute, getRoute, listRoute } from '../src/aggregate/resource-routes.js';
import type { Call } from '../src/aggregate/route-docs.js';
import type { FastifyInstance } from 'fastify';
import type { ServiceContext, ServiceDefinition } from '../src/build-service.js';
import { keysetPage, keysetPageQuery } from '../src/http/pagination.js';

/**
 * A test-only service built from the kit's per-aggregate routes alone (create with
 * Idempotency-Key and two scopes, command, get, list, delete), over a "gadget" aggregate that
 * reuses the DashboardDefined/DashboardUpdated contracts so envelopes validate.
 */
interface GadgetRow {
  id: string;
  tenantId: string;
  name: string;
  /** Who created it: the subject of the token, and whether it came by `ingest`. */
  createdBy: string;
  /** The Authorization header the create saw, so a test can tell it reached the domain call. */
  sawAuthorization: boolean;
  createdAt: Date;
  version: number;
}

const GadgetEntity = new EntitySchema<GadgetRow>({
  name: 'Gadget',
  tableName: 'gadgets',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    createdBy: { type: 'text', name: 'created_by' },
    sawAuthorization: { type: 'boolean', name: 'saw_authorization' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    version: { type: 'integer' },
  },
});

class CreateGadgets1700000000101 implements MigrationInterface {
  name = 'CreateGadgets1700000000101';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE kit_gadget.gadgets (id uuid PRIMARY KEY, tenant_id text NOT NULL,
       name text NOT NULL, created_by text NOT NULL, saw_authorization boolean NOT NULL,
       created_at timestamptz NOT NULL, version integer NOT NULL, UNIQUE (tenant_id, name))`,
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kit_gadget.gadgets');
  }
}

/** Names starting with this refuse to be deleted (the farewell's invariant). */
export const KEEP_PREFIX = 'keep-';

class Gadget {
  private events: DomainEvent[] = [];
  private constructor(private row: Omit<GadgetRow, 'version'>) {}

  static create(name: string, call: Call): Gadget {
    if (name.startsWith('bad-')) throw new DomainError('gadget.bad_name', 'a bad name');
    const gadget = new Gadget({
      id: randomUUID(),
      tenantId: call.auth.tenantId,
      name,
      createdBy: call.auth.subject,
      sawAuthorization: call.authorization?.startsWith('Bearer ') === true,
      createdAt: new Date(call.at),
    });
    gadget.record('DashboardDefined');
    return gadget;
  }

  static rehydrate(row: GadgetRow): Gadget {
    return new Gadget(row);
  }

  rename(name: string): void {
    this.row = { ...this.row, name };
    this.record('DashboardUpdated');
  }

  /** The farewell: checks the gadget may go and says so (the payload's version is not read). */
  retire(): void {
    if (this.row.name.startsWith(KEEP_PREFIX))
      throw new DomainError('gadget.kept', 'this gadget is kept');
    this.record('DashboardUpdated');
  }

  get state(): Omit<GadgetRow, 'version'> {
    return this.row;
  }

  pullEvents(): readonly DomainEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private record(eventType: 'DashboardDefined' | 'DashboardUpdated'): void {
    this.events.push({
      eventType,
      aggregateType: 'DashboardDefinition',
      aggregateId: this.row.id,
      tenantId: this.row.tenantId as TenantId,
      traceId: null,
      occurredAt: this.row.createdAt.toISOString(),
      payload: {
        dashboardId: this.row.id,
        name: this.row.name,
        scope: { projectId: 'fixture', moduleId: null },
        panelCount: 1,
        version: 1,
      },
    });
  }
}

const mapper: AggregateMapper<Gadget, GadgetRow> = {
  resource: 'gadget',
  entity: GadgetEntity,
  toRow: (gadget, version) => ({ ...gadget.state, version }),
  toAggregate: (row) => Gadget.rehydrate(row),
};

const gadgetSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdBy: z.string(),
    sawAuthorization: z.boolean(),
    createdAt: z.string(),
    version: z.number().int(),
  })
  .meta({
    example: {
      id: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
      name: 'sprocket',
      createdBy: 'dev-user',
      sawAuthorization: true,
      createdAt: '2030-01-01T00:00:00.000Z',
      version: 1,
    },
  });
type GadgetDto = z.output<typeof gadgetSchema>;
const dtoOf = (row: GadgetRow): GadgetDto => ({
  id: row.id,
  name: row.name,
  createdBy: row.createdBy,
  sawAuthorization: row.sawAuthorization,
  createdAt: row.createdAt.toISOString(),
  version: row.version,
});
const body = z.strictObject({ name: z.string().min(1).max(100) });
const DOCS = { tags: ['gadgets'], summary: 'gadget', description: 'A gadget.' };

export const gadgetFixtureService: ServiceDefinition = {
  name: 'kit-gadget-fixture',
  schema: 'kit_gadget',
  defaultPort: 0,
  openapi: { title: 'kit gadget fixture', description: 'kit routes', version: '0.0.0' },
  entities: [GadgetEntity as EntitySchema],
  migrations: [CreateGadgets1700000000101],
  topics: [topicFor('DashboardDefined')],
  compose: (ctx) => ({ routes: (app) => gadgetRoutes(app, ctx) }),
};

function gadgetRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const store = new AggregateStore(ctx.dataSource, ctx.uow, mapper);
  createRoute(app, ctx, {
    ...DOCS,
    url: '/v1/gadgets',
    scope: ['write', 'ingest'],
    body,
    response: gadgetSchema,
    domainCodes: ['gadget.bad_name'],
    statuses: [503],
    statusNotes: { 503: 'the gadget registry could not be reached (code registry_down)' },
    idempotency: {
      ttlHours: 24,
      // The meaning includes who sent it: a machine reusing a person's key is a reuse.
      meaning: (b, call) => ({ ...b, by: call.auth.subject }),
    },
    store,
    // `nth-…` names carry how many gadgets the tenant had, read through the create's transaction.
    create: async (b, call, tx) => {
      if (!b.name.startsWith('nth-')) return Gadget.create(b.name, call);
      const n = await tx.manager
        .getRepository(GadgetEntity)
        .countBy({ tenantId: call.auth.tenantId });
      return Gadget.create(`${b.name}${n + 1}`, call);
    },
    toDto: (saved) => dtoOf(mapper.toRow(saved.aggregate, saved.version)),
  });
  commandRoute(app, ctx, {
    ...DOCS,
    url: '/v1/gadgets/:id',
    method: 'PUT',
    scope: 'write',
    body,
    response: gadgetSchema,
    domainCodes: [],
    store,
    run: (gadget, b) => gadget.rename(b.name),
    toDto: (saved) => dtoOf(mapper.toRow(saved.aggregate, saved.version)),
  });
  getRoute(app, {
    ...DOCS,
    url: '/v1/gadgets/:id',
    resource: 'gadget',
    response: gadgetSchema,
    find: async (tenantId, id) => {
      const row = await ctx.dataSource.getRepository(GadgetEntity).findOneBy({ id, tenantId });
      return row ? dtoOf(row) : undefined;
    },
    versionOf: (item) => item.version,
  });
  // A read with a querystring: the gadget as it would look with a suffix (a computed view).
  getRoute(app, {
    ...DOCS,
    url: '/v1/gadgets/:id/with-suffix',
    resource: 'gadget',
    querystring: z.object({ suffix: z.string().max(5).default('!') }),
    response: gadgetSchema,
    find: async (tenantId, id, query) => {
      const row = await ctx.dataSource.getRepository(GadgetEntity).findOneBy({ id, tenantId });
      return row ? { ...dtoOf(row), name: `${row.name}${query.suffix}` } : undefined;
    },
  });
  listRoute(app, {
    ...DOCS,
    url: '/v1/gadgets',
    querystring: z.object({
      prefix: z.string().optional(),
      mine: z.enum(['true']).optional(),
      ...keysetPageQuery,
    }),
    item: gadgetSchema,
    list: (tenantId, query, _params, auth) => {
      const q = ctx.dataSource
        .getRepository(GadgetEntity)
        .createQueryBuilder('g')
        .where('g.tenant_id = :tenantId', { tenantId });
      if (query.prefix) q.andWhere('starts_with(g.name, :prefix)', { prefix: query.prefix });
      // `mine`: the caller's own gadgets, by the token's subject (a list that depends on who asks).
      if (query.mine) q.andWhere('g.created_by = :subject', { subject: auth.subject });
      return keysetPage(
        q,
        { sortColumn: 'g.created_at', sortType: 'timestamptz', idColumn: 'g.id', idType: 'uuid' },
        query,
        {
          toItem: dtoOf,
          positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
        },
      );
    },
  });
  deleteRoute(app, ctx, {
    ...DOCS,
    url: '/v1/gadgets/:id',
    store,
    remove: (gadget) => gadget.retire(),
    domainCodes: ['gadget.kept'],
  });
  // A DELETE that keeps the row: the gadget is renamed `retired-…` and stays readable.
  deleteRoute(app, ctx, {
    ...DOCS,
    url: '/v1/gadgets/:id/active',
    store,
    keep: true,
    remove: (gadget) => gadget.rename(`retired-${gadget.state.name}`),
  });
}

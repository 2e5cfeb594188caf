import type { DomainEvent } from '@obs/domain';
import type { DataSource, EntityManager, EntitySchema, FindOptionsWhere } from 'typeorm';
import type { EventOrigin, Transaction, UnitOfWork } from '../db/unit-of-work.js';
import { saveVersioned, type VersionedRow } from '../db/versioned-save.js';
import { assertVersion } from '../http/etag.js';
import { notFound } from '../problem.js';

/** What the store needs of an aggregate: the events it recorded since the last pull. */
export interface EventSource {
  pullEvents(): readonly DomainEvent[];
}

/** An aggregate with the version it is stored at: the ETag and the optimistic-lock token. */
export interface Versioned<A> {
  readonly id: string;
  readonly aggregate: A;
  readonly version: number;
}

/**
 * The explicit mapping between one aggregate and its row(s): the service's only persistence code.
 * One versioning model for every aggregate: the row's `version` counts saves, starting at 1.
 */
export interface AggregateMapper<A extends EventSource, Row extends VersionedRow> {
  /** Resource name in 404 details ("incident 3f2c… was not found"). */
  readonly resource: string;
  readonly entity: EntitySchema<Row>;
  toRow(aggregate: A, version: number): Row;
  /** Row (plus what `loadExtra` read) → aggregate, via the domain's `rehydrate`. */
  toAggregate(row: Row, extra: unknown): A;
  /** Reads rows the aggregate owns besides its own (a timeline), inside the same transaction. */
  loadExtra?(manager: EntityManager, row: Row): Promise<unknown>;
  /** Writes those rows after the aggregate's row; `previousVersion` 0 for a new aggregate. */
  saveExtra?(manager: EntityManager, aggregate: A, previousVersion: number): Promise<void>;
  /** True when a command changed nothing worth a new version (then nothing is written). */
  isUnchanged?(aggregate: A, storedVersion: number): boolean;
}

/**
 * Loads and saves one kind of aggregate, always within a tenant: another tenant's id is exactly
 * as unknown as a missing one. A save writes the row(s) and queues the pulled events in the
 * outbox in one transaction (never "save, then publish").
 */
export class AggregateStore<A extends EventSource, Row extends VersionedRow> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    readonly mapper: AggregateMapper<A, Row>,
  ) {}

  /** The tenant's aggregate, read without a lock (queries that do not change it). */
  async load(tenantId: string, id: string): Promise<Versioned<A> | undefined> {
    return this.loadWhere(
      this.dataSource.manager,
      { id, tenantId } as FindOptionsWhere<Row>,
      false,
    );
  }

  /** The tenant's aggregate with its row locked until the transaction ends. */
  async loadForUpdate(
    tx: Transaction,
    tenantId: string,
    id: string,
  ): Promise<Versioned<A> | undefined> {
    return this.loadWhere(tx.manager, { id, tenantId } as FindOptionsWhere<Row>, true);
  }

  /** The one aggregate matching `where` (which must name the tenant), locked for the transaction. */
  async findOneForUpdate(
    tx: Transaction,
    where: FindOptionsWhere<Row> & { tenantId: string },
  ): Promise<Versioned<A> | undefined> {
    return this.loadWhere(tx.manager, where, true);
  }

  /**
   * Writes the aggregate at `expectedVersion + 1` (inserting when expectedVersion is 0; a row no
   * longer at expectedVersion answers 409) and queues its events. Returns the version now stored.
   */
  async save(tx: Transaction, aggregate: A, expectedVersion: number): Promise<number> {
    if (expectedVersion > 0 && this.mapper.isUnchanged?.(aggregate, expectedVersion) === true) {
      await tx.publish(aggregate.pullEvents(), expectedVersion);
      return expectedVersion;
    }
    const version = expectedVersion + 1;
    await saveVersioned(
      tx.manager,
      this.mapper.entity,
      this.mapper.toRow(aggregate, version),
      expectedVersion,
    );
    await this.mapper.saveExtra?.(tx.manager, aggregate, expectedVersion);
    await tx.publish(aggregate.pullEvents(), version);
    return version;
  }

  /** Stores a new aggregate in its own unit of work. */
  async create(origin: EventOrigin, aggregate: A): Promise<Versioned<A>> {
    return this.uow.run(origin, async (tx) => {
      const version = await this.save(tx, aggregate, 0);
      return { id: this.mapper.toRow(aggregate, version).id, aggregate, version };
    });
  }

  /**
   * Loads the tenant's aggregate for update (404 when missing), refuses a stale If-Match (409),
   * applies `change` (the domain call; its DomainError becomes a 422) and saves, in one unit of work.
   */
  async change(
    origin: EventOrigin,
    tenantId: string,
    id: string,
    ifMatch: number | undefined,
    change: (aggregate: A, tx: Transaction) => void | Promise<void>,
  ): Promise<Versioned<A>> {
    return this.uow.run(origin, async (tx) => {
      const loaded = await this.loadForUpdate(tx, tenantId, id);
      if (!loaded) throw notFound(this.mapper.resource, id);
      assertVersion(ifMatch, loaded.version);
      await change(loaded.aggregate, tx);
      const version = await this.save(tx, loaded.aggregate, loaded.version);
      return { id: loaded.id, aggregate: loaded.aggregate, version };
    });
  }

  /**
   * Deletes the aggregate's row (rows it owns go with it by their foreign keys) and queues the
   * events its farewell recorded, at `version + 1`, in the caller's unit of work.
   */
  async delete(tx: Transaction, tenantId: string, loaded: Versioned<A>): Promise<void> {
    await tx.manager
      .getRepository(this.mapper.entity)
      .delete({ id: loaded.id, tenantId } as FindOptionsWhere<Row>);
    await tx.publish(loaded.aggregate.pullEvents(), loaded.version + 1);
  }

  private async loadWhere(
    manager: EntityManager,
    where: FindOptionsWhere<Row>,
    lock: boolean,
  ): Promise<Versioned<A> | undefined> {
    const row = await manager.getRepository(this.mapper.entity).findOne({
      where,
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!row) return undefined;
    const extra = await this.mapper.loadExtra?.(manager, row);
    return { id: row.id, aggregate: this.mapper.toAggregate(row, extra), version: row.version };
  }
}

import type { DomainEvent } from '@obs/domain';
import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent } from './data-source.js';
import { OutboxWriter, type EventOrigin } from '../outbox/outbox-writer.js';

/** What a use case gets inside one database transaction. */
export interface Transaction {
  readonly manager: EntityManager;
  /**
   * Queues domain events into the outbox in this same transaction, so they are published if and
   * only if the aggregate change commits. `aggregateVersion` is the version being saved.
   */
  publish(events: readonly DomainEvent[], aggregateVersion: number): Promise<void>;
}

/**
 * Saves an aggregate and its outbox rows in ONE transaction ("never save, then publish"), and
 * wakes the relay with NOTIFY once the transaction commits.
 */
export class UnitOfWork {
  private readonly outbox: OutboxWriter;

  constructor(
    private readonly dataSource: DataSource,
    readonly schema: string,
    producer: string,
  ) {
    this.outbox = new OutboxWriter(schema, producer);
  }

  get notifyChannel(): string {
    return outboxChannel(this.schema);
  }

  async run<T>(origin: EventOrigin, work: (tx: Transaction) => Promise<T>): Promise<T> {
    let wrote = false;
    const result = await this.dataSource.transaction(async (manager) => {
      const tx: Transaction = {
        manager,
        publish: async (events, aggregateVersion) => {
          if (events.length === 0) return;
          await this.outbox.write(manager, events, aggregateVersion, origin);
          wrote = true;
        },
      };
      const value = await work(tx);
      // NOTIFY is transactional in Postgres: delivered only on commit.
      if (wrote) await manager.query(`NOTIFY ${quoteIdent(this.notifyChannel)}`);
      return value;
    });
    return result;
  }
}

export function outboxChannel(schema: string): string {
  return `${schema}_outbox`;
}

export type { EventOrigin };

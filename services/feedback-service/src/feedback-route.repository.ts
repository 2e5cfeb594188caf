import { FeedbackRoute, type FeedbackRouteSnapshot, type LabelMatcher } from '@obs/domain';
import { AggregateStore, type Transaction, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface FeedbackRouteRow {
  id: string;
  tenantId: string;
  name: string;
  position: number;
  matchers: LabelMatcher[];
  routeTo: string;
  receiverId: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export const FeedbackRouteEntity = new EntitySchema<FeedbackRouteRow>({
  name: 'FeedbackRoute',
  tableName: 'feedback_routes',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    position: { type: 'integer' },
    matchers: { type: 'jsonb' },
    routeTo: { type: 'text', name: 'route_to' },
    receiverId: { type: 'text', name: 'receiver_id', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
    version: { type: 'integer' },
  },
});

export function toRouteRow(snapshot: FeedbackRouteSnapshot, version: number): FeedbackRouteRow {
  return {
    id: snapshot.feedbackRouteId,
    tenantId: snapshot.tenantId,
    name: snapshot.name,
    position: snapshot.position,
    matchers: [...snapshot.matchers],
    routeTo: snapshot.to,
    receiverId: snapshot.receiverId,
    createdAt: new Date(snapshot.createdAt),
    updatedAt: new Date(snapshot.updatedAt),
    version,
  };
}

export function toRouteSnapshot(row: FeedbackRouteRow): FeedbackRouteSnapshot {
  return {
    feedbackRouteId: row.id,
    tenantId: row.tenantId,
    name: row.name,
    position: row.position,
    matchers: row.matchers,
    to: row.routeTo,
    receiverId: row.receiverId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type FeedbackRouteStore = AggregateStore<FeedbackRoute, FeedbackRouteRow>;

export function feedbackRouteStore(dataSource: DataSource, uow: UnitOfWork): FeedbackRouteStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'feedback route',
    entity: FeedbackRouteEntity,
    toRow: (route, version) => toRouteRow(route.toSnapshot(), version),
    toAggregate: (row) => FeedbackRoute.rehydrate(toRouteSnapshot(row)),
  });
}

/**
 * The tenant's rules in routing order, read in the caller's transaction: an item is routed by
 * the rules as they stand when it is created, in the transaction that creates it.
 */
export async function routingRules(tx: Transaction, tenantId: string): Promise<FeedbackRoute[]> {
  const rows = await tx.manager.getRepository(FeedbackRouteEntity).find({
    where: { tenantId },
    order: { position: 'ASC' },
  });
  return rows.map((row) => FeedbackRoute.rehydrate(toRouteSnapshot(row)));
}

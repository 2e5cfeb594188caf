import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import type { DataSource } from 'typeorm';
import {
  NotificationEntity,
  type NotificationRow,
  type NotificationStatus,
} from './notification.repository.js';
import { ReceiverEntity } from './receiver.repository.js';
import { receiverViewOfRow, type ReceiverView } from './receiver.view.js';

/** Read models of receivers and notifications, always within the caller's tenant. */

export async function findReceiver(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<ReceiverView | undefined> {
  const row = await dataSource.getRepository(ReceiverEntity).findOneBy({ id, tenantId });
  return row ? receiverViewOfRow(row) : undefined;
}

/** Newest first, keyset-paged on (created_at, id). */
export function listReceivers(
  dataSource: DataSource,
  tenantId: string,
  filters: { readonly type?: string | undefined },
  page: PageRequest,
): Promise<Page<ReceiverView>> {
  const query = dataSource
    .getRepository(ReceiverEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId', { tenantId });
  if (filters.type !== undefined) query.andWhere('r.type = :type', { type: filters.type });
  return keysetPage(
    query,
    { sortColumn: 'r.created_at', sortType: 'timestamptz', idColumn: 'r.id', idType: 'uuid' },
    page,
    {
      toItem: receiverViewOfRow,
      positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
    },
  );
}

export function notificationView(row: NotificationRow) {
  return {
    id: row.id,
    receiverId: row.receiverId,
    alertRuleId: row.alertRuleId,
    sloId: row.sloId ?? null,
    incidentId: row.incidentId ?? null,
    fingerprint: row.fingerprint,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    lastError: row.lastError,
    lastStatusCode: row.lastStatusCode,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}

export type NotificationView = ReturnType<typeof notificationView>;

export async function findNotification(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<NotificationView | undefined> {
  const row = await dataSource.getRepository(NotificationEntity).findOneBy({ id, tenantId });
  return row ? notificationView(row) : undefined;
}

export interface NotificationFilters {
  readonly receiverId?: string | undefined;
  readonly alertRuleId?: string | undefined;
  readonly incidentId?: string | undefined;
  readonly sloId?: string | undefined;
  readonly status?: NotificationStatus | undefined;
}

/** Newest first, keyset-paged on (created_at, id). */
export function listNotifications(
  dataSource: DataSource,
  tenantId: string,
  filters: NotificationFilters,
  page: PageRequest,
): Promise<Page<NotificationView>> {
  const query = dataSource
    .getRepository(NotificationEntity)
    .createQueryBuilder('n')
    .where('n.tenant_id = :tenantId', { tenantId });
  if (filters.receiverId !== undefined)
    query.andWhere('n.receiver_id = :receiverId', { receiverId: filters.receiverId });
  if (filters.alertRuleId !== undefined)
    query.andWhere('n.alert_rule_id = :alertRuleId', { alertRuleId: filters.alertRuleId });
  if (filters.incidentId !== undefined)
    query.andWhere('n.incident_id = :incidentId', { incidentId: filters.incidentId });
  if (filters.sloId !== undefined) query.andWhere('n.slo_id = :sloId', { sloId: filters.sloId });
  if (filters.status !== undefined)
    query.andWhere('n.status = :status', { status: filters.status });
  return keysetPage(
    query,
    { sortColumn: 'n.created_at', sortType: 'timestamptz', idColumn: 'n.id', idType: 'uuid' },
    page,
    {
      toItem: notificationView,
      positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
    },
  );
}

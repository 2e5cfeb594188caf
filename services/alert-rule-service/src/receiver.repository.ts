import {
  Receiver,
  type EmailSettings,
  type ReceiverSnapshot,
  type ReceiverType,
  type SmtpCredentials,
} from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface ReceiverRow {
  id: string;
  tenantId: string;
  name: string;
  type: ReceiverType;
  /** webhook, slack (a credential: never shown whole), alertmanager; null for email. */
  url: string | null;
  sendResolved: boolean;
  /** The Standard Webhooks signing secret (`whsec_…`); never leaves the service except in a signature. */
  secret: string | null;
  /** An email receiver's recipients, sender and SMTP server. */
  email: EmailSettings | null;
  /** An email receiver's SMTP AUTH username and password; write-only. */
  credentials: SmtpCredentials | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ReceiverEntity = new EntitySchema<ReceiverRow>({
  name: 'Receiver',
  tableName: 'receivers',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    type: { type: 'text' },
    url: { type: 'text', nullable: true },
    sendResolved: { type: 'boolean', name: 'send_resolved' },
    secret: { type: 'text', nullable: true },
    email: { type: 'jsonb', nullable: true },
    credentials: { type: 'jsonb', nullable: true },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export function toReceiverSnapshot(row: ReceiverRow): ReceiverSnapshot {
  return {
    receiverId: row.id,
    tenantId: row.tenantId,
    name: row.name,
    type: row.type,
    url: row.url,
    sendResolved: row.sendResolved,
    secret: row.secret,
    email: row.email,
    credentials: row.credentials,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toReceiverRow(receiver: Receiver, version: number): ReceiverRow {
  const s = receiver.toSnapshot();
  return {
    id: s.receiverId,
    tenantId: s.tenantId,
    name: s.name,
    type: s.type,
    url: s.url,
    sendResolved: s.sendResolved,
    secret: s.secret,
    email: s.email,
    credentials: s.credentials,
    version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}

export type ReceiverStore = AggregateStore<Receiver, ReceiverRow>;

/** The domain bumps its version only for a real change; a replace that changed nothing is not written. */
export function receiverStore(dataSource: DataSource, uow: UnitOfWork): ReceiverStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'receiver',
    entity: ReceiverEntity,
    toRow: toReceiverRow,
    toAggregate: (row) => Receiver.rehydrate(toReceiverSnapshot(row)),
    isUnchanged: (receiver, storedVersion) => receiver.version === storedVersion,
  });
}

import { Silence, type LabelMatcher, type SilenceSnapshot } from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface SilenceRow {
  id: string;
  tenantId: string;
  matchers: LabelMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const SilenceEntity = new EntitySchema<SilenceRow>({
  name: 'Silence',
  tableName: 'silences',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    matchers: { type: 'jsonb' },
    startsAt: { type: 'timestamptz', name: 'starts_at' },
    endsAt: { type: 'timestamptz', name: 'ends_at' },
    createdBy: { type: 'text', name: 'created_by' },
    comment: { type: 'text' },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export function toSilenceSnapshot(row: SilenceRow): SilenceSnapshot {
  return {
    silenceId: row.id,
    tenantId: row.tenantId,
    // Field by field: jsonb gives the keys back in its own order.
    matchers: row.matchers.map((m) => ({ name: m.name, operator: m.operator, value: m.value })),
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    createdBy: row.createdBy,
    comment: row.comment,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toSilenceRow(silence: Silence, version: number): SilenceRow {
  const s = silence.toSnapshot();
  return {
    id: s.silenceId,
    tenantId: s.tenantId,
    matchers: [...s.matchers],
    startsAt: new Date(s.startsAt),
    endsAt: new Date(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
    version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}

export type SilenceStore = AggregateStore<Silence, SilenceRow>;

export function silenceStore(dataSource: DataSource, uow: UnitOfWork): SilenceStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'silence',
    entity: SilenceEntity,
    toRow: toSilenceRow,
    toAggregate: (row) => Silence.rehydrate(toSilenceSnapshot(row)),
    isUnchanged: (silence, storedVersion) => silence.version === storedVersion,
  });
}

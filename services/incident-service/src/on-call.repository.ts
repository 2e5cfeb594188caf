import {
  EscalationPolicy,
  Schedule,
  type EscalationPolicySnapshot,
  type PolicyStep,
  type ScheduleLayer,
  type ScheduleOverride,
  type ScheduleSnapshot,
} from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

/** Escalation policies and on-call schedules: tenant configuration, versioned, no events. */

export interface EscalationPolicyRow {
  id: string;
  tenantId: string;
  name: string;
  steps: PolicyStep[];
  repeats: number;
  repeatAfterMinutes: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const EscalationPolicyEntity = new EntitySchema<EscalationPolicyRow>({
  name: 'EscalationPolicy',
  tableName: 'escalation_policies',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    steps: { type: 'jsonb' },
    repeats: { type: 'integer' },
    repeatAfterMinutes: { type: 'integer', name: 'repeat_after_minutes', nullable: true },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export function policySnapshotOf(row: EscalationPolicyRow): EscalationPolicySnapshot {
  return {
    policyId: row.id,
    tenantId: row.tenantId,
    name: row.name,
    steps: row.steps,
    repeats: row.repeats,
    repeatAfterMinutes: row.repeatAfterMinutes,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toPolicyRow(policy: EscalationPolicy, version: number): EscalationPolicyRow {
  const s = policy.toSnapshot();
  return {
    id: s.policyId,
    tenantId: s.tenantId,
    name: s.name,
    steps: s.steps.map((step) => ({ ...step })),
    repeats: s.repeats,
    repeatAfterMinutes: s.repeatAfterMinutes,
    version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}

export type EscalationPolicyStore = AggregateStore<EscalationPolicy, EscalationPolicyRow>;

export function escalationPolicyStore(
  dataSource: DataSource,
  uow: UnitOfWork,
): EscalationPolicyStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'escalation policy',
    entity: EscalationPolicyEntity,
    toRow: toPolicyRow,
    toAggregate: (row) => EscalationPolicy.rehydrate(policySnapshotOf(row)),
    isUnchanged: (policy, storedVersion) => policy.version === storedVersion,
  });
}

export interface ScheduleRow {
  id: string;
  tenantId: string;
  name: string;
  layers: ScheduleLayer[];
  overrides: ScheduleOverride[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ScheduleEntity = new EntitySchema<ScheduleRow>({
  name: 'Schedule',
  tableName: 'schedules',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    layers: { type: 'jsonb' },
    overrides: { type: 'jsonb' },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export function scheduleSnapshotOf(row: ScheduleRow): ScheduleSnapshot {
  return {
    scheduleId: row.id,
    tenantId: row.tenantId,
    name: row.name,
    layers: row.layers,
    overrides: row.overrides,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toScheduleRow(schedule: Schedule, version: number): ScheduleRow {
  const s = schedule.toSnapshot();
  return {
    id: s.scheduleId,
    tenantId: s.tenantId,
    name: s.name,
    layers: s.layers.map((l) => ({ ...l, members: [...l.members] })),
    overrides: s.overrides.map((o) => ({ ...o })),
    version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}

export type ScheduleStore = AggregateStore<Schedule, ScheduleRow>;

export function scheduleStore(dataSource: DataSource, uow: UnitOfWork): ScheduleStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'schedule',
    entity: ScheduleEntity,
    toRow: toScheduleRow,
    toAggregate: (row) => Schedule.rehydrate(scheduleSnapshotOf(row)),
    isUnchanged: (schedule, storedVersion) => schedule.version === storedVersion,
  });
}

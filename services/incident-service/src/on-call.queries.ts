import {
  EscalationPolicy,
  onCallAt,
  type EscalationPolicySnapshot,
  type OnCall,
  type OnCallLookup,
  type ScheduleSnapshot,
} from '@obs/domain';
import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import { In, type DataSource, type EntityManager } from 'typeorm';
import {
  EscalationPolicyEntity,
  policySnapshotOf,
  ScheduleEntity,
  scheduleSnapshotOf,
  type EscalationPolicyRow,
  type ScheduleRow,
} from './on-call.repository.js';

/** Read models of escalation policies and schedules, always within the caller's tenant. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function policyView(s: EscalationPolicySnapshot, version: number) {
  return {
    id: s.policyId,
    name: s.name,
    steps: s.steps.map((step) => ({
      delayMinutes: step.delayMinutes,
      receiverIds: [...step.receiverIds],
      scheduleIds: [...step.scheduleIds],
    })),
    repeats: s.repeats,
    repeatAfterMinutes: s.repeatAfterMinutes,
    version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
export type PolicyView = ReturnType<typeof policyView>;

const policyViewOfRow = (row: EscalationPolicyRow) =>
  policyView(policySnapshotOf(row), row.version);

export function scheduleView(s: ScheduleSnapshot, version: number) {
  return {
    id: s.scheduleId,
    name: s.name,
    layers: s.layers.map((l) => ({ ...l, members: [...l.members] })),
    overrides: s.overrides.map((o) => ({ ...o })),
    version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
export type ScheduleView = ReturnType<typeof scheduleView>;

const scheduleViewOfRow = (row: ScheduleRow) => scheduleView(scheduleSnapshotOf(row), row.version);

const NEWEST_FIRST = {
  sortColumn: 'r.created_at',
  sortType: 'timestamptz',
  idColumn: 'r.id',
  idType: 'uuid',
} as const;

export async function findPolicy(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<PolicyView | undefined> {
  const row = await dataSource.getRepository(EscalationPolicyEntity).findOneBy({ id, tenantId });
  return row ? policyViewOfRow(row) : undefined;
}

export function listPolicies(
  dataSource: DataSource,
  tenantId: string,
  page: PageRequest,
): Promise<Page<PolicyView>> {
  const query = dataSource
    .getRepository(EscalationPolicyEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId', { tenantId });
  return keysetPage(query, NEWEST_FIRST, page, {
    toItem: policyViewOfRow,
    positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
  });
}

export async function findSchedule(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<ScheduleView | undefined> {
  const row = await dataSource.getRepository(ScheduleEntity).findOneBy({ id, tenantId });
  return row ? scheduleViewOfRow(row) : undefined;
}

export function listSchedules(
  dataSource: DataSource,
  tenantId: string,
  page: PageRequest,
): Promise<Page<ScheduleView>> {
  const query = dataSource
    .getRepository(ScheduleEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId', { tenantId });
  return keysetPage(query, NEWEST_FIRST, page, {
    toItem: scheduleViewOfRow,
    positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
  });
}

/** Who the tenant's schedule puts on call at `atMs`, or undefined without such a schedule. */
export async function onCallOf(
  dataSource: DataSource,
  tenantId: string,
  id: string,
  atMs: number,
): Promise<(OnCall & { scheduleId: string; at: string }) | undefined> {
  const row = await dataSource.getRepository(ScheduleEntity).findOneBy({ id, tenantId });
  if (!row) return undefined;
  return { scheduleId: row.id, at: new Date(atMs).toISOString(), ...onCallAt(row, atMs) };
}

/**
 * The policy an alert rule's `incident` action names: by id (a uuid) or by name (any case), in
 * the tenant; undefined when it names none that exists (the caller then uses the default policy).
 */
export async function policyNamed(
  manager: EntityManager,
  tenantId: string,
  target: string,
): Promise<EscalationPolicy | undefined> {
  const repository = manager.getRepository(EscalationPolicyEntity);
  const name = target.trim();
  const row = UUID.test(name)
    ? await repository.findOneBy({ id: name.toLowerCase(), tenantId })
    : await repository
        .createQueryBuilder('p')
        .where('p.tenant_id = :tenantId AND lower(p.name) = lower(:name)', { tenantId, name })
        .getOne();
  return row ? EscalationPolicy.rehydrate(policySnapshotOf(row)) : undefined;
}

/** The tenant's policy with this id (any case), or undefined. */
export async function policyById(
  manager: EntityManager,
  tenantId: string,
  id: string,
): Promise<EscalationPolicy | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await manager
    .getRepository(EscalationPolicyEntity)
    .findOneBy({ id: id.toLowerCase(), tenantId });
  return row ? EscalationPolicy.rehydrate(policySnapshotOf(row)) : undefined;
}

/** The tenant's schedules among `ids`, as the lookup an escalation pages through. */
export async function onCallLookup(
  manager: EntityManager,
  tenantId: string,
  ids: readonly string[],
): Promise<OnCallLookup> {
  const rows =
    ids.length === 0
      ? []
      : await manager.getRepository(ScheduleEntity).findBy({ tenantId, id: In([...ids]) });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return (scheduleId, atMs) => {
    const row = byId.get(scheduleId);
    return row ? { scheduleName: row.name, member: onCallAt(row, atMs).member } : undefined;
  };
}

/** Whether any of the tenant's escalation policies names the schedule (it may not be deleted). */
export async function policiesNamingSchedule(
  manager: EntityManager,
  tenantId: string,
  scheduleId: string,
): Promise<boolean> {
  // jsonb containment: some step's scheduleIds holds the id.
  return manager
    .getRepository(EscalationPolicyEntity)
    .createQueryBuilder('p')
    .where('p.tenant_id = :tenantId', { tenantId })
    .andWhere('p.steps @> :probe::jsonb', {
      probe: JSON.stringify([{ scheduleIds: [scheduleId] }]),
    })
    .getExists();
}

/** The ids among `ids` that are not schedules of the tenant. */
export async function unknownSchedules(
  manager: EntityManager,
  tenantId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await manager
    .getRepository(ScheduleEntity)
    .find({ select: { id: true }, where: { tenantId, id: In([...ids]) } });
  const known = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}

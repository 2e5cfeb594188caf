import { AggregateRoot, type DomainEvent } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';
import {
  formatLocalDate,
  formatLocalTime,
  localDate,
  localTime,
  timeZone as toTimeZone,
} from './zoned-time.js';

export const SCHEDULE_NAME_MAX_LENGTH = 200;
export const MEMBER_MAX_LENGTH = 256;
export const MAX_SCHEDULE_LAYERS = 10;
export const MAX_LAYER_MEMBERS = 50;
export const MAX_SCHEDULE_OVERRIDES = 200;
/** Longest rotation turn, in its unit (366 hours, days or weeks). */
export const MAX_ROTATION_LENGTH = 366;

/**
 * How long one member's turn lasts. `days` and `weeks` hand off at the handoff time on the local
 * calendar (a turn over a DST change is 23 or 25 hours long); `hours` hands off every N elapsed
 * hours from the first handoff (a 12-hour turn stays 12 hours across a DST change).
 */
export const ROTATION_UNITS = ['hours', 'days', 'weeks'] as const;
export type RotationUnit = (typeof ROTATION_UNITS)[number];

/** A rotation: members take turns of `rotationLength` units, from the first handoff on. */
export interface ScheduleLayer {
  readonly name: string;
  /** Who takes turns, in order (user ids, e-mail addresses...: the platform does not resolve them). */
  readonly members: readonly string[];
  readonly rotationLength: number;
  readonly rotationUnit: RotationUnit;
  /** Local date of the first turn (the first member's), `YYYY-MM-DD`. */
  readonly startDate: string;
  /** Local time of every handoff, `HH:MM` (24 h). */
  readonly handoffTime: string;
  /** IANA time zone the date and handoff time are read in. */
  readonly timeZone: string;
  /** The layer stops covering at this instant; null: never. */
  readonly endsAt: string | null;
}

/** Someone covers [start, end) instead of whoever the layers put on call. */
export interface ScheduleOverride {
  readonly member: string;
  readonly start: string;
  readonly end: string;
}

export interface ScheduleLayerInput {
  readonly name?: string | null;
  readonly members: readonly string[];
  readonly rotationLength: number;
  readonly rotationUnit: string;
  readonly startDate: string;
  readonly handoffTime: string;
  readonly timeZone: string;
  readonly endsAt?: string | null;
}

export interface ScheduleOverrideInput {
  readonly member: string;
  readonly start: string;
  readonly end: string;
}

export interface ScheduleConfigInput {
  readonly name: string;
  readonly layers: readonly ScheduleLayerInput[];
  readonly overrides?: readonly ScheduleOverrideInput[];
}

export interface CreateScheduleInput extends ScheduleConfigInput {
  readonly scheduleId: string;
  readonly tenantId: string;
  readonly at: string;
}

export interface ScheduleSnapshot {
  readonly scheduleId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly layers: readonly ScheduleLayer[];
  readonly overrides: readonly ScheduleOverride[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function member(value: string, field: string): string {
  return requiredText(value, field, 'schedule.invalid_member', MEMBER_MAX_LENGTH).trim();
}

function rotationUnit(value: string): RotationUnit {
  ensure(
    (ROTATION_UNITS as readonly string[]).includes(value),
    'schedule.invalid_rotation',
    `rotationUnit must be one of ${ROTATION_UNITS.join(', ')}`,
    { rotationUnit: value },
  );
  return value as RotationUnit;
}

export function scheduleLayer(input: ScheduleLayerInput, index: number): ScheduleLayer {
  const inputs: readonly string[] = Array.isArray(input.members) ? input.members : [];
  ensure(
    inputs.length >= 1 && inputs.length <= MAX_LAYER_MEMBERS,
    'schedule.invalid_members',
    `a layer has 1-${MAX_LAYER_MEMBERS} members`,
    { layer: index },
  );
  const members = inputs.map((m, i) => member(m, `layers[${index}].members[${i}]`));
  ensure(
    Number.isInteger(input.rotationLength) &&
      input.rotationLength >= 1 &&
      input.rotationLength <= MAX_ROTATION_LENGTH,
    'schedule.invalid_rotation',
    `rotationLength must be a whole number 1-${MAX_ROTATION_LENGTH}`,
    { layer: index },
  );
  const date = localDate(input.startDate, `layers[${index}].startDate`, 'schedule.invalid_start');
  const handoff = localTime(
    input.handoffTime,
    `layers[${index}].handoffTime`,
    'schedule.invalid_handoff_time',
  );
  const name =
    input.name === undefined || input.name === null || input.name.trim() === ''
      ? `layer ${index + 1}`
      : requiredText(
          input.name,
          'name',
          'schedule.invalid_layer_name',
          SCHEDULE_NAME_MAX_LENGTH,
        ).trim();
  const endsAt =
    input.endsAt === undefined || input.endsAt === null
      ? null
      : toIso(parseInstant(input.endsAt, `layers[${index}].endsAt`));
  return {
    name,
    members,
    rotationLength: input.rotationLength,
    rotationUnit: rotationUnit(input.rotationUnit),
    startDate: formatLocalDate(date),
    handoffTime: formatLocalTime(handoff),
    timeZone: toTimeZone(input.timeZone),
    endsAt,
  };
}

export function scheduleOverride(input: ScheduleOverrideInput, index: number): ScheduleOverride {
  const start = parseInstant(input.start, `overrides[${index}].start`);
  const end = parseInstant(input.end, `overrides[${index}].end`);
  ensure(end > start, 'schedule.invalid_override', 'an override ends after it starts', {
    override: index,
  });
  return {
    member: member(input.member, `overrides[${index}].member`),
    start: toIso(start),
    end: toIso(end),
  };
}

function scheduleConfig(input: ScheduleConfigInput) {
  const layers: readonly ScheduleLayerInput[] = Array.isArray(input.layers) ? input.layers : [];
  ensure(
    layers.length >= 1 && layers.length <= MAX_SCHEDULE_LAYERS,
    'schedule.invalid_layers',
    `a schedule has 1-${MAX_SCHEDULE_LAYERS} layers`,
    { count: layers.length },
  );
  const overrides = input.overrides ?? [];
  ensure(
    overrides.length <= MAX_SCHEDULE_OVERRIDES,
    'schedule.too_many_overrides',
    `a schedule holds at most ${MAX_SCHEDULE_OVERRIDES} overrides (drop the past ones)`,
    { count: overrides.length },
  );
  return {
    name: requiredText(
      input.name,
      'name',
      'schedule.name_required',
      SCHEDULE_NAME_MAX_LENGTH,
    ).trim(),
    layers: layers.map(scheduleLayer),
    overrides: overrides.map(scheduleOverride),
  };
}

/**
 * An on-call schedule: rotation layers (later layers sit on top of earlier ones) and overrides
 * (on top of every layer). Who is on call at an instant is `onCallAt` (on-call.ts), a pure
 * function of the snapshot. No events: a schedule is configuration read by this service only.
 */
export class Schedule extends AggregateRoot<DomainEvent> {
  private constructor(private state: ScheduleSnapshot & { readonly tenantId: TenantId }) {
    super();
  }

  static create(input: CreateScheduleInput): Schedule {
    return new Schedule({
      scheduleId: input.scheduleId,
      tenantId: toTenantId(input.tenantId),
      ...scheduleConfig(input),
      version: 1,
      createdAt: toIso(parseInstant(input.at, 'at')),
      updatedAt: toIso(parseInstant(input.at, 'at')),
    });
  }

  /** Re-checks and re-normalises what was stored (jsonb does not keep key order). */
  static rehydrate(snapshot: ScheduleSnapshot): Schedule {
    return new Schedule({
      ...snapshot,
      tenantId: toTenantId(snapshot.tenantId),
      ...scheduleConfig(snapshot),
    });
  }

  get id(): string {
    return this.state.scheduleId;
  }

  get version(): number {
    return this.state.version;
  }

  /** Replaces name, layers and overrides; a replacement that changes nothing keeps the version. */
  replace(input: ScheduleConfigInput, at: string): void {
    const config = scheduleConfig(input);
    const current = this.state;
    const unchanged =
      JSON.stringify(config) ===
      JSON.stringify({ name: current.name, layers: current.layers, overrides: current.overrides });
    if (unchanged) return;
    this.state = {
      ...current,
      ...config,
      version: current.version + 1,
      updatedAt: toIso(parseInstant(at, 'at')),
    };
  }

  toSnapshot(): ScheduleSnapshot {
    return {
      ...this.state,
      layers: this.state.layers.map((l) => ({ ...l, members: [...l.members] })),
      overrides: this.state.overrides.map((o) => ({ ...o })),
    };
  }
}

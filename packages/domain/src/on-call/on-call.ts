import { toIso } from '../kernel/time.js';
import type { ScheduleLayer, ScheduleOverride } from './schedule.aggregate.js';
import {
  addDays,
  daysBetween,
  localDate,
  localDateOf,
  localTime,
  zonedInstant,
  type LocalDate,
} from './zoned-time.js';

const MS_PER_HOUR = 3_600_000;

/** Who is on call at an instant, and the turn (or override) that puts them there. */
export interface OnCall {
  /** Null when no layer covers the instant and no override does. */
  readonly member: string | null;
  /** `override`, or `layer` with its name and index (the last covering layer wins). */
  readonly source: 'override' | 'layer' | null;
  readonly layer: string | null;
  readonly layerIndex: number | null;
  /** Start and end of that turn or override (a layer's turn ends at its endsAt at the latest). */
  readonly from: string | null;
  readonly until: string | null;
}

/** One member's turn in a layer: [start, end) in epoch ms. */
export interface LayerTurn {
  readonly member: string;
  /** Which turn since the first handoff (0 = the first member's first turn). */
  readonly turn: number;
  readonly start: number;
  readonly end: number;
}

interface Rotation {
  readonly date: LocalDate;
  readonly minutes: number;
  readonly zone: string;
}

function rotationOf(layer: ScheduleLayer): Rotation {
  return {
    date: localDate(layer.startDate, 'startDate', 'schedule.invalid_start'),
    minutes: localTime(layer.handoffTime, 'handoffTime', 'schedule.invalid_handoff_time'),
    zone: layer.timeZone,
  };
}

/** The instant of handoff number `turn` of a calendar rotation of `days` days per turn. */
function calendarHandoff(rotation: Rotation, days: number, turn: number): number {
  return zonedInstant(rotation.zone, addDays(rotation.date, turn * days), rotation.minutes);
}

/**
 * The turn of a layer covering `atMs`, or undefined before the first handoff or from `endsAt` on.
 * Calendar rotations (days, weeks) hand off at the handoff time on the local calendar, so they
 * follow the zone's DST changes; hour rotations count elapsed hours from the first handoff.
 */
export function layerTurnAt(layer: ScheduleLayer, atMs: number): LayerTurn | undefined {
  const rotation = rotationOf(layer);
  const first = zonedInstant(rotation.zone, rotation.date, rotation.minutes);
  const endsAt = layer.endsAt === null ? Infinity : Date.parse(layer.endsAt);
  if (atMs < first || atMs >= endsAt) return undefined;
  let turn: number;
  let start: number;
  let end: number;
  if (layer.rotationUnit === 'hours') {
    const length = layer.rotationLength * MS_PER_HOUR;
    turn = Math.floor((atMs - first) / length);
    start = first + turn * length;
    end = start + length;
  } else {
    const days = layer.rotationLength * (layer.rotationUnit === 'weeks' ? 7 : 1);
    // The calendar guess, then corrected by at most a turn either way (handoff before the local
    // handoff time on the day, or a handoff moved by a DST gap).
    turn = Math.max(
      0,
      Math.floor(daysBetween(rotation.date, localDateOf(rotation.zone, atMs)) / days),
    );
    while (turn > 0 && calendarHandoff(rotation, days, turn) > atMs) turn -= 1;
    while (calendarHandoff(rotation, days, turn + 1) <= atMs) turn += 1;
    start = calendarHandoff(rotation, days, turn);
    end = calendarHandoff(rotation, days, turn + 1);
  }
  const member = layer.members[turn % layer.members.length] as string;
  return { member, turn, start, end: Math.min(end, endsAt) };
}

/** The last override covering `atMs` (a later override in the list wins over an earlier one). */
export function overrideAt(
  overrides: readonly ScheduleOverride[],
  atMs: number,
): ScheduleOverride | undefined {
  for (let i = overrides.length - 1; i >= 0; i -= 1) {
    const override = overrides[i] as ScheduleOverride;
    if (Date.parse(override.start) <= atMs && atMs < Date.parse(override.end)) return override;
  }
  return undefined;
}

/**
 * Who is on call at `atMs`: an override covering the instant, else the last layer (the top one)
 * whose rotation covers it, else nobody.
 */
export function onCallAt(
  schedule: {
    readonly layers: readonly ScheduleLayer[];
    readonly overrides: readonly ScheduleOverride[];
  },
  atMs: number,
): OnCall {
  const override = overrideAt(schedule.overrides, atMs);
  if (override !== undefined) {
    return {
      member: override.member,
      source: 'override',
      layer: null,
      layerIndex: null,
      from: override.start,
      until: override.end,
    };
  }
  for (let index = schedule.layers.length - 1; index >= 0; index -= 1) {
    const layer = schedule.layers[index] as ScheduleLayer;
    const turn = layerTurnAt(layer, atMs);
    if (turn !== undefined) {
      return {
        member: turn.member,
        source: 'layer',
        layer: layer.name,
        layerIndex: index,
        from: toIso(turn.start),
        until: toIso(turn.end),
      };
    }
  }
  return { member: null, source: null, layer: null, layerIndex: null, from: null, until: null };
}

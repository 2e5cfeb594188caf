import { DomainError, ensure } from '../kernel/domain-error.js';
import { parseInstant, toIso } from '../kernel/time.js';

export const ALERT_STATES = ['inactive', 'pending', 'firing'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

interface GroupStateBase {
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  /** The last window applied; older or repeated windows are ignored. */
  readonly lastWindowEnd: string;
  readonly lastValue: number;
}

/**
 * The state of one group of one rule (Prometheus' "alert instance"). activeAt is the windowEnd of
 * the first breaching window of the episode; firedAt the windowEnd of the window that fired it.
 */
export type AlertGroupState =
  | (GroupStateBase & {
      readonly status: 'inactive';
      readonly activeAt: null;
      readonly firedAt: null;
    })
  | (GroupStateBase & {
      readonly status: 'pending';
      readonly activeAt: string;
      readonly firedAt: null;
    })
  | (GroupStateBase & {
      readonly status: 'firing';
      readonly activeAt: string;
      readonly firedAt: string;
    });

export interface AlertStep {
  readonly holds: boolean;
  readonly windowStart: number | null;
  readonly windowEnd: number;
  readonly forMinutes: number;
}

export type AlertTransition =
  | { readonly status: 'inactive'; readonly fired: false }
  | { readonly status: 'pending'; readonly activeAt: number; readonly fired: false }
  /** fired is true only on the step into firing: the one moment AlertTriggered is recorded. */
  | {
      readonly status: 'firing';
      readonly activeAt: number;
      readonly firedAt: number;
      readonly fired: boolean;
    };

const MS_PER_MINUTE = 60_000;

function pendingOrFiring(activeAt: number, windowEnd: number, forMinutes: number): AlertTransition {
  return windowEnd - activeAt >= forMinutes * MS_PER_MINUTE
    ? { status: 'firing', activeAt, firedAt: windowEnd, fired: true }
    : { status: 'pending', activeAt, fired: false };
}

/**
 * inactive → pending → firing, driven by window ends (event time, never a clock):
 * - a breaching window makes an inactive group pending with activeAt = that window's END (the
 *   value is only known once the window has closed);
 * - a pending group fires once windowEnd − activeAt ≥ forMinutes (forMinutes 0: at once);
 * - a firing group stays firing without firing again;
 * - a window that does not breach, or a gap before it (its start after the previous window's end:
 *   no data, so the condition was not seen to hold), ends the episode.
 */
export function stepAlertState(previous: AlertGroupState | null, step: AlertStep): AlertTransition {
  if (!step.holds) return { status: 'inactive', fired: false };
  const gap =
    previous !== null &&
    step.windowStart !== null &&
    step.windowStart > Date.parse(previous.lastWindowEnd);
  if (previous === null || gap) {
    return pendingOrFiring(step.windowEnd, step.windowEnd, step.forMinutes);
  }
  switch (previous.status) {
    case 'inactive':
      return pendingOrFiring(step.windowEnd, step.windowEnd, step.forMinutes);
    case 'pending':
      return pendingOrFiring(Date.parse(previous.activeAt), step.windowEnd, step.forMinutes);
    case 'firing':
      return {
        status: 'firing',
        activeAt: Date.parse(previous.activeAt),
        firedAt: Date.parse(previous.firedAt),
        fired: false,
      };
    default: {
      const unreachable: never = previous;
      throw new Error(`unknown alert state ${JSON.stringify(unreachable)}`);
    }
  }
}

function instant(value: string, field: string): string {
  return toIso(parseInstant(value, field));
}

/** Checks a stored group state: the timestamps must match the status. */
export function alertGroupState(state: AlertGroupState): AlertGroupState {
  ensure(
    typeof state.groupKey === 'string' &&
      typeof state.group === 'object' &&
      state.group !== null &&
      Object.values(state.group).every((v) => typeof v === 'string') &&
      Number.isFinite(state.lastValue),
    'alert_rule.invalid_evaluation_state',
    'a group state needs a groupKey, a group of strings and a finite lastValue',
    { groupKey: state.groupKey },
  );
  const base = {
    groupKey: state.groupKey,
    group: { ...state.group },
    lastWindowEnd: instant(state.lastWindowEnd, 'lastWindowEnd'),
    lastValue: state.lastValue,
  };
  const status: string = state.status;
  if (status === 'inactive' && state.activeAt === null && state.firedAt === null) {
    return { ...base, status: 'inactive', activeAt: null, firedAt: null };
  }
  if (status === 'pending' && state.activeAt !== null && state.firedAt === null) {
    return {
      ...base,
      status: 'pending',
      activeAt: instant(state.activeAt, 'activeAt'),
      firedAt: null,
    };
  }
  if (status === 'firing' && state.activeAt !== null && state.firedAt !== null) {
    return {
      ...base,
      status: 'firing',
      activeAt: instant(state.activeAt, 'activeAt'),
      firedAt: instant(state.firedAt, 'firedAt'),
    };
  }
  throw new DomainError(
    'alert_rule.invalid_evaluation_state',
    'activeAt and firedAt must match the status',
    { groupKey: state.groupKey, status },
  );
}

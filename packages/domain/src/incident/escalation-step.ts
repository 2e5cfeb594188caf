import { DomainError } from '../kernel/domain-error.js';
import { parseInstant, toIso } from '../kernel/time.js';

export const MAX_ESCALATION_STEPS = 10;
/**
 * Steps an incident may hold when they come from an escalation policy: every round of its steps
 * (10 steps × 10 rounds). Steps given by hand or by the environment keep MAX_ESCALATION_STEPS.
 */
export const MAX_POLICY_ESCALATION_STEPS = 100;
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_STEP_IDS = 10;
const TARGET_MAX_LENGTH = 256;
const MS_PER_MINUTE = 60_000;

/** Entity: who is paged at a level, how long after opening, and when it happened (null: not yet). */
export interface EscalationStep {
  readonly level: number;
  readonly target: string;
  readonly delayMinutes: number;
  readonly at: string | null;
  /** Receivers notified at this step (steps from an escalation policy); absent otherwise. */
  readonly receiverIds?: readonly string[];
  /** Schedules whose on-call member is paged at this step (policy steps); absent otherwise. */
  readonly scheduleIds?: readonly string[];
}

export interface EscalationStepInput {
  readonly level: number;
  readonly target: string;
  readonly delayMinutes: number;
  readonly at?: string | null;
  readonly receiverIds?: readonly string[];
  readonly scheduleIds?: readonly string[];
}

/** Lower-case uuids, each once, at most 10; absent stays absent. */
function stepIds(values: readonly string[] | undefined, index: number): string[] | undefined {
  if (values === undefined) return undefined;
  const ids = values.map((v) => (typeof v === 'string' ? v.toLowerCase() : ''));
  if (
    ids.length > MAX_STEP_IDS ||
    new Set(ids).size !== ids.length ||
    !ids.every((id) => ID_PATTERN.test(id))
  ) {
    invalid('a step names at most 10 distinct receiver or schedule ids', { index });
  }
  return ids;
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new DomainError('incident.invalid_escalation', message, details);
}

/**
 * Levels are 1..n in order and delays never decrease, so "escalate step by step" is well defined:
 * the steps due at any instant are always the next ones in level order.
 */
export function escalationPolicy(
  inputs: readonly EscalationStepInput[],
  maxSteps: number = MAX_ESCALATION_STEPS,
): readonly EscalationStep[] {
  if (inputs.length > maxSteps) {
    invalid(`at most ${maxSteps} escalation steps`, { count: inputs.length });
  }
  return inputs.map((input, index) => {
    const previous = inputs[index - 1];
    if (input.level !== index + 1) {
      invalid('escalation levels must be 1, 2, 3… in order', { index, level: input.level });
    }
    if (!Number.isInteger(input.delayMinutes) || input.delayMinutes < 0) {
      invalid('delayMinutes must be a whole number ≥ 0', { index });
    }
    if (previous !== undefined && input.delayMinutes < previous.delayMinutes) {
      invalid('a higher level cannot escalate sooner than a lower one', { index });
    }
    const target = typeof input.target === 'string' ? input.target.trim() : '';
    if (target === '' || target.length > TARGET_MAX_LENGTH) {
      invalid('every escalation step needs a target', { index });
    }
    const at = input.at ?? null;
    const receiverIds = stepIds(input.receiverIds, index);
    const scheduleIds = stepIds(input.scheduleIds, index);
    return {
      level: input.level,
      target,
      delayMinutes: input.delayMinutes,
      at: at === null ? null : toIso(parseInstant(at, 'escalation.at')),
      ...(receiverIds === undefined ? {} : { receiverIds }),
      ...(scheduleIds === undefined ? {} : { scheduleIds }),
    };
  });
}

/** Steps not yet escalated whose delay, counted from `startMs`, has elapsed at `nowMs`. */
export function dueSteps(
  steps: readonly EscalationStep[],
  startMs: number,
  nowMs: number,
): readonly EscalationStep[] {
  return steps.filter((s) => s.at === null && nowMs >= startMs + s.delayMinutes * MS_PER_MINUTE);
}

/**
 * The instant an incident's escalation delays count from (`escalationStartsAt`).
 *
 * An incident opened from a signal opens at the signal's time (event time), and its delays count
 * from there: a signal held up for a few minutes (a restart, a rebalance) pages at once for the
 * steps it is really overdue for, since nobody has acknowledged the problem in all that time.
 * A signal older than the replay horizon when it is taken in is a replay (offsets reset, a
 * dead-letter re-drive, a new consumer group reading from the start); counting from its old time
 * would page every step of the chain in one tick for a problem hours or days old, so its delays
 * count from the intake instead, and the steps go one by one as for a new problem. openedAt still
 * says when the problem fired. Without an intake (manual incidents) the start is openedAt.
 */
export function escalationStart(
  openedAtMs: number,
  intake?: { readonly receivedAt: string; readonly replayHorizonMs: number },
): number {
  if (intake === undefined) return openedAtMs;
  const receivedAtMs = parseInstant(intake.receivedAt, 'intake.receivedAt');
  const horizon = intake.replayHorizonMs;
  if (!Number.isSafeInteger(horizon) || horizon < 0) {
    throw new DomainError(
      'incident.invalid_replay_horizon',
      'the replay horizon is a whole number of milliseconds ≥ 0',
      { replayHorizonMs: horizon },
    );
  }
  return receivedAtMs - openedAtMs > horizon ? receivedAtMs : openedAtMs;
}

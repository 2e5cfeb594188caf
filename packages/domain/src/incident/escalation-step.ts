import { DomainError } from '../shared/domain-error.js';
import { parseInstant, toIso } from '../shared/time.js';

export const MAX_ESCALATION_STEPS = 10;
const TARGET_MAX_LENGTH = 256;
const MS_PER_MINUTE = 60_000;

/** Entity: who is paged at a level, how long after opening, and when it happened (null: not yet). */
export interface EscalationStep {
  readonly level: number;
  readonly target: string;
  readonly delayMinutes: number;
  readonly at: string | null;
}

export interface EscalationStepInput {
  readonly level: number;
  readonly target: string;
  readonly delayMinutes: number;
  readonly at?: string | null;
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
): readonly EscalationStep[] {
  if (inputs.length > MAX_ESCALATION_STEPS) {
    invalid(`at most ${MAX_ESCALATION_STEPS} escalation steps`, { count: inputs.length });
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
    return {
      level: input.level,
      target,
      delayMinutes: input.delayMinutes,
      at: at === null ? null : toIso(parseInstant(at, 'escalation.at')),
    };
  });
}

/** Steps not yet escalated whose delay has elapsed at `nowMs`. */
export function dueSteps(
  steps: readonly EscalationStep[],
  openedAtMs: number,
  nowMs: number,
): readonly EscalationStep[] {
  return steps.filter((s) => s.at === null && nowMs >= openedAtMs + s.delayMinutes * MS_PER_MINUTE);
}

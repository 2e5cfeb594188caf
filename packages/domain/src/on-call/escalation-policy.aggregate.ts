import { AggregateRoot, type DomainEvent } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';
import type { EscalationStepInput } from '../incident/escalation-step.js';

export const ESCALATION_POLICY_NAME_MAX_LENGTH = 200;
export const MAX_POLICY_STEPS = 10;
/** Receivers, and schedules, one step may name (each). */
export const MAX_STEP_TARGETS = 10;
/** How many times the steps may run again after the first round (PagerDuty allows 9 too). */
export const MAX_POLICY_REPEATS = 9;
/** Longest delay (one year of minutes, 366 days), as the incident's own steps. */
export const MAX_POLICY_DELAY_MINUTES = 366 * 24 * 60;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One step: who is notified, how many minutes after the round starts. */
export interface PolicyStep {
  readonly delayMinutes: number;
  /** Receivers (alert-rule-service `/v1/receivers` ids) notified at this step. */
  readonly receiverIds: readonly string[];
  /** Schedules (`/v1/schedules` ids) whose on-call member is paged at this step. */
  readonly scheduleIds: readonly string[];
}

export interface PolicyStepInput {
  readonly delayMinutes: number;
  readonly receiverIds?: readonly string[];
  readonly scheduleIds?: readonly string[];
}

export interface EscalationPolicyConfigInput {
  readonly name: string;
  readonly steps: readonly PolicyStepInput[];
  /** Rounds after the first (0: the steps run once). */
  readonly repeats?: number;
  /** With repeats: minutes after a round starts that the next one starts (> the last delay). */
  readonly repeatAfterMinutes?: number | null;
}

export interface CreateEscalationPolicyInput extends EscalationPolicyConfigInput {
  readonly policyId: string;
  readonly tenantId: string;
  readonly at: string;
}

export interface EscalationPolicySnapshot {
  readonly policyId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly steps: readonly PolicyStep[];
  readonly repeats: number;
  readonly repeatAfterMinutes: number | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function delay(value: number, field: string, code: string): number {
  ensure(
    Number.isInteger(value) && value >= 0 && value <= MAX_POLICY_DELAY_MINUTES,
    code,
    `${field} must be a whole number of minutes, 0-${MAX_POLICY_DELAY_MINUTES}`,
    { field },
  );
  return value;
}

function targetIds(values: readonly string[] | undefined, field: string): string[] {
  const ids = (values ?? []).map((id) => (typeof id === 'string' ? id.trim().toLowerCase() : ''));
  ensure(
    ids.length <= MAX_STEP_TARGETS,
    'escalation_policy.too_many_targets',
    `a step names at most ${MAX_STEP_TARGETS} ${field}`,
    { field },
  );
  ensure(
    ids.every((id) => UUID_PATTERN.test(id)),
    'escalation_policy.invalid_target',
    `${field} must be ids (uuids)`,
    { field },
  );
  ensure(
    new Set(ids).size === ids.length,
    'escalation_policy.duplicate_target',
    `a step names the same ${field.replace(/Ids$/, '')} twice`,
    { field },
  );
  return ids;
}

function policyStep(input: PolicyStepInput, index: number, previous?: PolicyStep): PolicyStep {
  const minutes = delay(
    input.delayMinutes,
    `steps[${index}].delayMinutes`,
    'escalation_policy.invalid_delay',
  );
  ensure(
    previous === undefined || minutes >= previous.delayMinutes,
    'escalation_policy.delays_decrease',
    'a later step cannot be due sooner than an earlier one (delays never decrease)',
    { step: index },
  );
  const receiverIds = targetIds(input.receiverIds, `steps[${index}].receiverIds`);
  const scheduleIds = targetIds(input.scheduleIds, `steps[${index}].scheduleIds`);
  ensure(
    receiverIds.length + scheduleIds.length > 0,
    'escalation_policy.step_without_targets',
    'every step names at least one receiver or schedule',
    { step: index },
  );
  return { delayMinutes: minutes, receiverIds, scheduleIds };
}

function policyConfig(input: EscalationPolicyConfigInput) {
  const inputs: readonly PolicyStepInput[] = Array.isArray(input.steps) ? input.steps : [];
  ensure(inputs.length >= 1, 'escalation_policy.steps_required', 'a policy has at least one step');
  ensure(
    inputs.length <= MAX_POLICY_STEPS,
    'escalation_policy.too_many_steps',
    `a policy has at most ${MAX_POLICY_STEPS} steps`,
    { count: inputs.length },
  );
  const steps: PolicyStep[] = [];
  for (const [index, step] of inputs.entries()) steps.push(policyStep(step, index, steps.at(-1)));
  const repeats = input.repeats ?? 0;
  ensure(
    Number.isInteger(repeats) && repeats >= 0 && repeats <= MAX_POLICY_REPEATS,
    'escalation_policy.invalid_repeat',
    `repeats must be a whole number 0-${MAX_POLICY_REPEATS}`,
    { repeats },
  );
  const after = input.repeatAfterMinutes ?? null;
  const last = (steps.at(-1) as PolicyStep).delayMinutes;
  if (repeats === 0) {
    ensure(
      after === null,
      'escalation_policy.invalid_repeat_after',
      'repeatAfterMinutes only applies with repeats > 0',
    );
  } else {
    ensure(
      after !== null &&
        delay(after, 'repeatAfterMinutes', 'escalation_policy.invalid_repeat_after') > last,
      'escalation_policy.invalid_repeat_after',
      'with repeats, repeatAfterMinutes is required and longer than the last step’s delay',
      { lastDelayMinutes: last },
    );
  }
  return {
    name: requiredText(
      input.name,
      'name',
      'escalation_policy.name_required',
      ESCALATION_POLICY_NAME_MAX_LENGTH,
    ).trim(),
    steps,
    repeats,
    repeatAfterMinutes: repeats === 0 ? null : after,
  };
}

/**
 * Who is notified, in what order, while an incident stays unacknowledged: ordered steps (each
 * due `delayMinutes` after its round starts, naming receivers and/or schedules), run once and then
 * `repeats` more times, a round every `repeatAfterMinutes`. Alert rules name a policy from their
 * `incident` action; an incident copies the policy's steps when it opens (`incidentSteps`), so a
 * later change of the policy never rewrites the escalation of an incident already open.
 */
export class EscalationPolicy extends AggregateRoot<DomainEvent> {
  private constructor(private state: EscalationPolicySnapshot & { readonly tenantId: TenantId }) {
    super();
  }

  static create(input: CreateEscalationPolicyInput): EscalationPolicy {
    const at = toIso(parseInstant(input.at, 'at'));
    return new EscalationPolicy({
      policyId: input.policyId,
      tenantId: toTenantId(input.tenantId),
      ...policyConfig(input),
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
  }

  static rehydrate(snapshot: EscalationPolicySnapshot): EscalationPolicy {
    return new EscalationPolicy({
      ...snapshot,
      tenantId: toTenantId(snapshot.tenantId),
      ...policyConfig(snapshot),
    });
  }

  get id(): string {
    return this.state.policyId;
  }

  get name(): string {
    return this.state.name;
  }

  get version(): number {
    return this.state.version;
  }

  /** Every schedule the steps name, each once. */
  get scheduleIds(): string[] {
    return [...new Set(this.state.steps.flatMap((s) => s.scheduleIds))];
  }

  /** Replaces name, steps and repeats; a replacement that changes nothing keeps the version. */
  replace(input: EscalationPolicyConfigInput, at: string): void {
    const config = policyConfig(input);
    const current = this.state;
    const unchanged =
      JSON.stringify(config) ===
      JSON.stringify({
        name: current.name,
        steps: current.steps,
        repeats: current.repeats,
        repeatAfterMinutes: current.repeatAfterMinutes,
      });
    if (unchanged) return;
    this.state = {
      ...current,
      ...config,
      version: current.version + 1,
      updatedAt: toIso(parseInstant(at, 'at')),
    };
  }

  /**
   * The incident's escalation steps: every round of the policy's steps, levels 1..n in order,
   * round r's step due `r × repeatAfterMinutes + delayMinutes` after escalation starts. The target
   * names the policy and step (`<policy> step 2`, `<policy> step 2 (repeat 1)`) for the timeline.
   */
  incidentSteps(): EscalationStepInput[] {
    const { steps, repeats, repeatAfterMinutes, name } = this.state;
    const rounds: EscalationStepInput[] = [];
    for (let round = 0; round <= repeats; round += 1) {
      for (const [index, step] of steps.entries()) {
        rounds.push({
          level: rounds.length + 1,
          target: `${name} step ${index + 1}${round === 0 ? '' : ` (repeat ${round})`}`,
          delayMinutes: round * (repeatAfterMinutes ?? 0) + step.delayMinutes,
          receiverIds: [...step.receiverIds],
          scheduleIds: [...step.scheduleIds],
        });
      }
    }
    return rounds;
  }

  toSnapshot(): EscalationPolicySnapshot {
    return {
      ...this.state,
      steps: this.state.steps.map((s) => ({
        ...s,
        receiverIds: [...s.receiverIds],
        scheduleIds: [...s.scheduleIds],
      })),
    };
  }
}

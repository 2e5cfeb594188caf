import { SEVERITIES, escalationPolicy, type EscalationStepInput, type Severity } from '@obs/domain';
import { z } from 'zod';

/**
 * Longest escalation delay the service accepts (one year). The domain only asks for whole
 * minutes ≥ 0; this bound keeps `escalationStartsAt + delay` a real instant in JavaScript and Postgres.
 */
export const MAX_ESCALATION_DELAY_MINUTES = 366 * 24 * 60;

/**
 * The policy applied to incidents opened from events (and to manual ones that name none): the
 * on-call primary after 5 minutes, the secondary after 15, the engineering manager after 30.
 */
export const DEFAULT_ESCALATION_POLICY: readonly EscalationStepInput[] = [
  { level: 1, target: 'on-call-primary', delayMinutes: 5 },
  { level: 2, target: 'on-call-secondary', delayMinutes: 15 },
  { level: 3, target: 'engineering-manager', delayMinutes: 30 },
];

export const DEFAULT_ESCALATION_INTERVAL_MS = 15_000;

/**
 * How old an AlertTriggered / SloBreached may be when it is consumed and still page on event
 * time (one hour). Twice the default policy's longest delay: a consumer that lagged through a
 * restart or a short outage still pages at once for what is really overdue, while an older event
 * is a replay (reset offsets, a DLQ re-drive, a new consumer group) whose escalations count from
 * the intake instead of paging the whole chain in one tick. The domain's escalationStart holds
 * the rule.
 */
export const DEFAULT_REPLAY_HORIZON_MS = 60 * 60_000;

/**
 * An SLO breach means the whole error budget is spent: users already felt it, so the incident
 * it opens is critical unless the operator says otherwise.
 */
export const DEFAULT_SLO_SEVERITY: Severity = 'critical';

export interface IncidentServiceConfig {
  /** Steps given to incidents opened from AlertTriggered / SloBreached. */
  readonly escalationPolicy: readonly EscalationStepInput[];
  /** How often the escalation scheduler ticks; 0 turns the interval off (tests call tick()). */
  readonly escalationIntervalMs: number;
  readonly sloSeverity: Severity;
  /** Signals older than this (ms) when consumed escalate from the intake, not from event time. */
  readonly replayHorizonMs: number;
}

const stepSchema = z.strictObject({
  level: z.number().int(),
  target: z.string(),
  delayMinutes: z.number().int().min(0).max(MAX_ESCALATION_DELAY_MINUTES),
});

const envSchema = z.object({
  INCIDENT_ESCALATION_POLICY: z.string().optional(),
  INCIDENT_ESCALATION_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_ESCALATION_INTERVAL_MS),
  INCIDENT_SLO_SEVERITY: z.enum(SEVERITIES).default(DEFAULT_SLO_SEVERITY),
  INCIDENT_REPLAY_HORIZON_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(DEFAULT_REPLAY_HORIZON_MS),
});

/**
 * Reads the service's own settings. The kit's `Env` keeps only the platform-wide variables, so
 * these are read here; a bad value stops the service at start rather than at the first incident.
 */
export function incidentConfigFrom(source: NodeJS.ProcessEnv): IncidentServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid incident-service environment: ${fields}`);
  }
  const raw = env.data.INCIDENT_ESCALATION_POLICY;
  return {
    escalationPolicy: raw === undefined ? DEFAULT_ESCALATION_POLICY : parsePolicy(raw),
    escalationIntervalMs: env.data.INCIDENT_ESCALATION_INTERVAL_MS,
    sloSeverity: env.data.INCIDENT_SLO_SEVERITY,
    replayHorizonMs: env.data.INCIDENT_REPLAY_HORIZON_MS,
  };
}

function parsePolicy(raw: string): readonly EscalationStepInput[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('INCIDENT_ESCALATION_POLICY is not valid JSON');
  }
  const steps = z.array(stepSchema).safeParse(json);
  if (!steps.success) {
    throw new Error(`INCIDENT_ESCALATION_POLICY is invalid: ${steps.error.issues[0]?.message}`);
  }
  try {
    // The domain's own rules (levels 1..n, non-decreasing delays, targets), checked once at start.
    escalationPolicy(steps.data);
  } catch (error) {
    throw new Error(`INCIDENT_ESCALATION_POLICY is invalid: ${(error as Error).message}`);
  }
  return steps.data;
}

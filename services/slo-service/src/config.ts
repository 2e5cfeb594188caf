import { z } from 'zod';
import { DEFAULT_PAIRING_GRACE_MS } from './slo-observation.js';

/**
 * How far behind the wall clock the burn clock evaluates: the metric service closes a 1m window
 * at its end + 30 s (METRIC_WINDOW_GRACE_MS) and the consumer needs a moment, so a window has
 * normally been counted two minutes after its end. A window later than that is still counted (at
 * the next evaluation); an alert may then clear and fire again around it.
 */
export const DEFAULT_BURN_CLOCK_LAG_MS = 2 * 60_000;
/** How often the burn clock runs. */
export const DEFAULT_BURN_CLOCK_INTERVAL_MS = 30_000;

export interface SloServiceConfig {
  /** A ratio minute's total side waits this long (service clock) for its good side. */
  readonly pairingGraceMs: number;
  /** The burn clock evaluates silent SLOs at (now − lag), floored to the minute. */
  readonly burnClockLagMs: number;
  /** 0 turns the timer off (tests call runOnce()). */
  readonly burnClockIntervalMs: number;
}

export const DEFAULT_SLO_CONFIG: SloServiceConfig = {
  pairingGraceMs: DEFAULT_PAIRING_GRACE_MS,
  burnClockLagMs: DEFAULT_BURN_CLOCK_LAG_MS,
  burnClockIntervalMs: DEFAULT_BURN_CLOCK_INTERVAL_MS,
};

const DAY_MS = 24 * 60 * 60_000;
const envSchema = z.object({
  SLO_PAIRING_GRACE_MS: z.coerce.number().int().min(0).max(DAY_MS).optional(),
  SLO_BURN_CLOCK_LAG_MS: z.coerce.number().int().min(0).max(DAY_MS).optional(),
  SLO_BURN_CLOCK_INTERVAL_MS: z.coerce.number().int().min(0).max(DAY_MS).optional(),
});

/** Reads the service's own settings; a bad value stops the service at start. */
export function sloConfigFrom(source: NodeJS.ProcessEnv): SloServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid slo-service environment: ${fields}`);
  }
  return {
    pairingGraceMs: env.data.SLO_PAIRING_GRACE_MS ?? DEFAULT_SLO_CONFIG.pairingGraceMs,
    burnClockLagMs: env.data.SLO_BURN_CLOCK_LAG_MS ?? DEFAULT_SLO_CONFIG.burnClockLagMs,
    burnClockIntervalMs:
      env.data.SLO_BURN_CLOCK_INTERVAL_MS ?? DEFAULT_SLO_CONFIG.burnClockIntervalMs,
  };
}

/** The settle point of ratio pairing at the service's `now` (slo-observation.ts). */
export function settledBefore(now: number, config: SloServiceConfig): number {
  return now - config.pairingGraceMs;
}

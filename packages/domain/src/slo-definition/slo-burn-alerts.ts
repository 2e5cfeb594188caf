import { ensure } from '../kernel/domain-error.js';
import { parseInstant, toIso } from '../kernel/time.js';
import { burning, burnRate, type SloObservedWindow } from './slo-budget.js';
import { errorBudgetScaled, sliCounts, type SliCounts } from './slo-values.js';

/**
 * Multiwindow, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", recommendation 6):
 *
 * | severity | long window | short window | burn rate | budget used when it fires (30 days) |
 * | -------- | ----------- | ------------ | --------- | ----------------------------------- |
 * | page     | 1h          | 5m           | 14.4×     | 2 %                                 |
 * | page     | 6h          | 30m          | 6×        | 5 %                                 |
 * | ticket   | 3d          | 6h           | 1×        | 10 %                                |
 *
 * burn rate = error ratio over the window / (1 − objective). A rule starts firing when BOTH its
 * windows burn at least its threshold (the long one proves the burn is significant, the short one
 * that it is still happening) and stops when its short window no longer does: the long window
 * stays high for up to its whole length after the burn ends, the short one drops within minutes.
 * An alert is one severity of one SLO: active while any of its rules fires, so the two page rules
 * make one page (one incident), not two.
 */
export const BURN_ALERT_SEVERITIES = ['page', 'ticket'] as const;
export type BurnAlertSeverity = (typeof BURN_ALERT_SEVERITIES)[number];

/** Minutes of every window a burn-rate alert reads. */
export const BURN_ALERT_WINDOW_MINUTES: Readonly<Record<SloObservedWindow, number>> = {
  '5m': 5,
  '30m': 30,
  '1h': 60,
  '6h': 360,
  '3d': 4_320,
};

export interface BurnAlertRule {
  readonly name: BurnAlertRuleName;
  readonly severity: BurnAlertSeverity;
  readonly long: SloObservedWindow;
  readonly short: SloObservedWindow;
  /** Held in tenths so the comparison stays on integers (14.4 → 144). */
  readonly thresholdTenths: number;
}

export const BURN_ALERT_RULE_NAMES = ['page-1h-5m', 'page-6h-30m', 'ticket-3d-6h'] as const;
export type BurnAlertRuleName = (typeof BURN_ALERT_RULE_NAMES)[number];

export const BURN_ALERT_RULES: readonly BurnAlertRule[] = [
  { name: 'page-1h-5m', severity: 'page', long: '1h', short: '5m', thresholdTenths: 144 },
  { name: 'page-6h-30m', severity: 'page', long: '6h', short: '30m', thresholdTenths: 60 },
  { name: 'ticket-3d-6h', severity: 'ticket', long: '3d', short: '6h', thresholdTenths: 10 },
];

/** The longest window a burn-rate alert reads, in minutes (what the samples must be kept for). */
export const BURN_ALERT_LOOKBACK_MINUTES = BURN_ALERT_WINDOW_MINUTES['3d'];

export const MAX_BURN_ALERT_RECEIVERS = 10;
const RECEIVER_ID_MAX_LENGTH = 128;

/**
 * Part of the SLO's definition: whether its burn-rate alerts fire, and which receivers (ids of
 * the tenant's /v1/receivers) the alert events name for notification. On by default: an SLO
 * that burns its budget 14× too fast must say so without anyone opting in.
 */
export interface BurnRateAlertsConfig {
  readonly enabled: boolean;
  readonly receivers: readonly string[];
}

export const DEFAULT_BURN_RATE_ALERTS: BurnRateAlertsConfig = { enabled: true, receivers: [] };

export function burnRateAlertsConfig(
  input: BurnRateAlertsConfig | undefined,
): BurnRateAlertsConfig {
  if (input === undefined) return { enabled: true, receivers: [] };
  ensure(
    typeof input.enabled === 'boolean',
    'slo.invalid_burn_rate_alerts',
    'burnRateAlerts.enabled must be true or false',
    { field: 'burnRateAlerts.enabled' },
  );
  ensure(
    Array.isArray(input.receivers) && input.receivers.length <= MAX_BURN_ALERT_RECEIVERS,
    'slo.invalid_burn_rate_alerts',
    `burnRateAlerts.receivers takes at most ${MAX_BURN_ALERT_RECEIVERS} receiver ids`,
    { field: 'burnRateAlerts.receivers' },
  );
  const receivers: string[] = [];
  for (const [index, id] of input.receivers.entries()) {
    ensure(
      typeof id === 'string' && id.trim().length > 0 && id.length <= RECEIVER_ID_MAX_LENGTH,
      'slo.invalid_burn_rate_alerts',
      `burnRateAlerts.receivers[${index}] must be a receiver id (1-${RECEIVER_ID_MAX_LENGTH} characters)`,
      { field: `burnRateAlerts.receivers.${index}` },
    );
    const trimmed = id.trim();
    // Naming a receiver twice notifies it once.
    if (!receivers.includes(trimmed)) receivers.push(trimmed);
  }
  return { enabled: input.enabled, receivers };
}

/** Entity: a burn-rate alert of one severity that is firing now. */
export interface ActiveBurnAlert {
  readonly severity: BurnAlertSeverity;
  /** Event time of the evaluation that fired it. */
  readonly firedAt: string;
  /** The rules of the severity firing at the last evaluation (at least one). */
  readonly rules: readonly BurnAlertRuleName[];
}

export function activeBurnAlerts(input: readonly ActiveBurnAlert[]): ActiveBurnAlert[] {
  const alerts = input.map((alert) => {
    ensure(
      (BURN_ALERT_SEVERITIES as readonly string[]).includes(alert.severity) &&
        alert.rules.length > 0 &&
        alert.rules.every((name) => {
          const rule = BURN_ALERT_RULES.find((r) => r.name === name);
          return rule !== undefined && rule.severity === alert.severity;
        }),
      'slo.invalid_burn_alert',
      'an active burn-rate alert needs a known severity and at least one of its rules',
      { severity: alert.severity },
    );
    return {
      severity: alert.severity,
      firedAt: toIso(parseInstant(alert.firedAt, 'firedAt')),
      rules: [...alert.rules],
    };
  });
  ensure(
    new Set(alerts.map((a) => a.severity)).size === alerts.length,
    'slo.invalid_burn_alert',
    'at most one active burn-rate alert per severity',
    {},
  );
  return alerts;
}

/** One rule as an alert event reports it: its windows, threshold and the rates seen. */
export interface BurnAlertRuleReading {
  readonly rule: BurnAlertRuleName;
  readonly longWindow: SloObservedWindow;
  readonly shortWindow: SloObservedWindow;
  readonly threshold: number;
  /** null when the error budget is 0 (target 100: any bad event is an unbounded burn). */
  readonly longBurnRate: number | null;
  readonly shortBurnRate: number | null;
}

export type BurnAlertRates = Readonly<Record<SloObservedWindow, number | null>>;

export interface BurnAlertStepInput {
  readonly target: number;
  readonly config: BurnRateAlertsConfig;
  readonly active: readonly ActiveBurnAlert[];
  /** Counts per window at `at`; a window left out cannot burn. */
  readonly windows: Partial<Record<SloObservedWindow, SliCounts>>;
  readonly at: string;
  /** `at` falls in one of the SLO's maintenance windows: nothing new fires. */
  readonly inMaintenance: boolean;
}

export interface BurnAlertTransition {
  readonly alert: ActiveBurnAlert;
  readonly readings: readonly BurnAlertRuleReading[];
}

export interface BurnAlertStep {
  readonly active: readonly ActiveBurnAlert[];
  readonly fired: readonly BurnAlertTransition[];
  /** `alert` is the alert as it was while firing (its firedAt and last rules). */
  readonly resolved: readonly BurnAlertTransition[];
  readonly rates: BurnAlertRates;
}

function reading(
  rule: BurnAlertRule,
  windows: BurnAlertStepInput['windows'],
  budgetScaled: number,
): BurnAlertRuleReading {
  return {
    rule: rule.name,
    longWindow: rule.long,
    shortWindow: rule.short,
    threshold: rule.thresholdTenths / 10,
    longBurnRate: burnRate(windows[rule.long], budgetScaled),
    shortBurnRate: burnRate(windows[rule.short], budgetScaled),
  };
}

/**
 * One evaluation of the burn-rate alerts at `at` (pure):
 * - a rule that is not firing starts when its long AND short windows both burn ≥ its threshold,
 *   unless the alerts are disabled or `at` is in a maintenance window;
 * - a firing rule keeps firing while its short window burns ≥ its threshold, and stops when it no
 *   longer does (or when the alerts are disabled);
 * - a severity fires when its first rule starts and resolves when its last rule stops; a second
 *   rule of a severity already firing joins the alert without a new event.
 */
export function stepBurnAlerts(input: BurnAlertStepInput): BurnAlertStep {
  const budgetScaled = errorBudgetScaled(input.target);
  const windows: Partial<Record<SloObservedWindow, SliCounts>> = {};
  for (const [name, counts] of Object.entries(input.windows) as [SloObservedWindow, SliCounts][]) {
    windows[name] = sliCounts(counts, `windows.${name}`);
  }
  const at = toIso(parseInstant(input.at, 'at'));
  const active = activeBurnAlerts(input.active);
  const wasFiring = new Set(active.flatMap((alert) => alert.rules));

  const firingRules = BURN_ALERT_RULES.filter((rule) => {
    if (!input.config.enabled) return false;
    const shortBurns = burning(windows[rule.short], budgetScaled, rule.thresholdTenths);
    if (wasFiring.has(rule.name)) return shortBurns;
    return (
      !input.inMaintenance &&
      shortBurns &&
      burning(windows[rule.long], budgetScaled, rule.thresholdTenths)
    );
  });

  const next: ActiveBurnAlert[] = [];
  const fired: BurnAlertTransition[] = [];
  const resolved: BurnAlertTransition[] = [];
  for (const severity of BURN_ALERT_SEVERITIES) {
    const previous = active.find((alert) => alert.severity === severity);
    const rules = firingRules.filter((rule) => rule.severity === severity);
    if (rules.length > 0) {
      const alert: ActiveBurnAlert = {
        severity,
        firedAt: previous?.firedAt ?? at,
        rules: rules.map((rule) => rule.name),
      };
      next.push(alert);
      if (previous === undefined) {
        fired.push({ alert, readings: rules.map((rule) => reading(rule, windows, budgetScaled)) });
      }
    } else if (previous !== undefined) {
      const readings = BURN_ALERT_RULES.filter((rule) => previous.rules.includes(rule.name)).map(
        (rule) => reading(rule, windows, budgetScaled),
      );
      resolved.push({ alert: previous, readings });
    }
  }

  const rates = Object.fromEntries(
    (Object.keys(BURN_ALERT_WINDOW_MINUTES) as SloObservedWindow[]).map((name) => [
      name,
      burnRate(windows[name], budgetScaled),
    ]),
  ) as Record<SloObservedWindow, number | null>;
  return { active: next, fired, resolved, rates };
}

import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { Severity } from '../kernel/severity.js';
import type { AlertAction } from './alert-action.js';
import type { AlertAggregation, ComparisonOperator } from './alert-condition.js';

export const ALERT_RULE_AGGREGATE_TYPE = 'AlertRule';

/** What AlertTriggered and AlertResolved both say of the rule, its group and its condition. */
interface AlertEpisodeFields {
  readonly alertRuleId: string;
  readonly ruleName: string;
  /** `${alertRuleId}:${groupKey}`: one incident per unresolved fingerprint. */
  readonly fingerprint: string;
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  readonly severity: Severity;
  readonly metric: string;
  readonly aggregation: AlertAggregation;
  readonly operator: ComparisonOperator;
  readonly threshold: number;
  /** The episode's activeAt and firedAt (AlertResolved repeats its AlertTriggered's). */
  readonly activeAt: string;
  readonly firedAt: string;
  readonly projectId: string;
  readonly moduleId: string | null;
  /**
   * The rule's actions when it fired (additive: absent from events of older producers). A legacy
   * `webhook` whose target is a URL travels as the URL's origin only (see publishedActions).
   */
  readonly actions?: readonly AlertAction[];
}

/**
 * Payload contract (AlertTriggered, public): the zod schema in
 * packages/event-envelope/src/payloads/alert-rule.ts.
 */
export interface AlertTriggeredPayload extends AlertEpisodeFields {
  readonly observedValue: number;
  readonly forMinutes: number;
  /**
   * An active silence matched the alert when it fired (additive): nothing is to be done, and
   * `actions` is empty. Absent otherwise.
   */
  readonly silenced?: true;
  /** The silences that matched, with `silenced`. */
  readonly silencedBy?: readonly string[];
  /**
   * The inhibition rules that muted the alert when it fired (additive): a firing alert matched
   * their source side. Nothing is to be done, and `actions` is empty. Absent otherwise.
   */
  readonly inhibitedBy?: readonly string[];
}

export type AlertTriggered = DomainEvent<'AlertTriggered', AlertTriggeredPayload>;

/** Payload contract (AlertResolved, public): the end of an episode AlertTriggered announced. */
export interface AlertResolvedPayload extends AlertEpisodeFields {
  /** The value of the window that resolved it; null when windows stopped coming (no data). */
  readonly observedValue: number | null;
  /** Closed windows without the condition that resolve an episode. */
  readonly resolveAfterWindows: number;
  /** The end of the last of those windows. */
  readonly resolvedAt: string;
}

export type AlertResolved = DomainEvent<'AlertResolved', AlertResolvedPayload>;

export type AlertRuleEvent = AlertTriggered | AlertResolved;

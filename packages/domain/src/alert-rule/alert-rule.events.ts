import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { Severity } from '../kernel/severity.js';
import type { AlertAction } from './alert-action.js';
import type { AlertAggregation, ComparisonOperator } from './alert-condition.js';

export const ALERT_RULE_AGGREGATE_TYPE = 'AlertRule';

/** Payload contract: /work/notes/event-payloads.md (AlertTriggered, public). */
export interface AlertTriggeredPayload {
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
  readonly observedValue: number;
  readonly forMinutes: number;
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

export type AlertTriggered = DomainEvent<'AlertTriggered', AlertTriggeredPayload>;

/** Payload contract: AlertResolved (public): the end of an episode AlertTriggered announced. */
export interface AlertResolvedPayload {
  readonly alertRuleId: string;
  readonly ruleName: string;
  /** The fingerprint of the episode's AlertTriggered. */
  readonly fingerprint: string;
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  readonly severity: Severity;
  readonly metric: string;
  readonly aggregation: AlertAggregation;
  readonly operator: ComparisonOperator;
  readonly threshold: number;
  /** The value of the window that resolved it; null when windows stopped coming (no data). */
  readonly observedValue: number | null;
  /** Closed windows without the condition that resolve an episode. */
  readonly resolveAfterWindows: number;
  /** The episode's activeAt and firedAt, as in its AlertTriggered. */
  readonly activeAt: string;
  readonly firedAt: string;
  /** The end of the last of those windows. */
  readonly resolvedAt: string;
  readonly projectId: string;
  readonly moduleId: string | null;
  readonly actions?: readonly AlertAction[];
}

export type AlertResolved = DomainEvent<'AlertResolved', AlertResolvedPayload>;

export type AlertRuleEvent = AlertTriggered | AlertResolved;

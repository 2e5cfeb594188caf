import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { severity as toSeverity, type Severity } from '../kernel/severity.js';
import {
  alertActions,
  receiverIdsOf,
  type AlertAction,
  type AlertActionInput,
} from './alert-action.js';
import {
  alertCondition,
  ensureResolvableMetric,
  type AlertCondition,
  type AlertConditionInput,
} from './alert-condition.js';
import type { AlertRuleEvent } from './alert-rule.events.js';
import {
  alertScope,
  sameAlertScope,
  type AlertScope,
  type AlertScopeInput,
} from './alert-scope.js';

/** Longest rule name, before trimming. */
export const ALERT_RULE_NAME_MAX_LENGTH = 200;

export interface AlertRuleSnapshot {
  readonly alertRuleId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: AlertScope;
  readonly condition: AlertCondition;
  readonly severity: Severity;
  readonly actions: readonly AlertAction[];
  readonly enabled: boolean;
  /** 1 at creation, +1 on every accepted change (the ETag of the HTTP API). */
  readonly version: number;
}

export interface CreateAlertRuleInput {
  /** Chosen by the service (a UUID); the domain has no randomness. */
  readonly alertRuleId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: AlertScopeInput;
  readonly condition: AlertConditionInput;
  readonly severity: string;
  readonly actions?: readonly AlertActionInput[];
  /** Defaults to true. */
  readonly enabled?: boolean;
}

export interface AlertRuleChanges {
  readonly name?: string;
  readonly scope?: AlertScopeInput;
  readonly condition?: AlertConditionInput;
  readonly severity?: string;
  readonly actions?: readonly AlertActionInput[];
}

/**
 * What only the application can know: the tenant's metric names, and whether another rule of the
 * tenant already holds the name in the target scope (excluding this rule itself).
 */
export interface AlertRuleContext {
  readonly knownMetrics: ReadonlySet<string>;
  readonly nameTaken: boolean;
  /**
   * The ids of the tenant's receivers among those the actions name; when given, a webhook action
   * naming any other id is refused (`alert_rule.unknown_receiver`).
   */
  readonly knownReceivers?: ReadonlySet<string>;
}

type AlertRuleState = Omit<AlertRuleSnapshot, 'tenantId'> & { readonly tenantId: TenantId };

interface UncheckedFields {
  readonly alertRuleId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: AlertScopeInput;
  readonly condition: AlertConditionInput;
  readonly severity: string;
  readonly actions: readonly AlertActionInput[];
  readonly enabled: boolean;
  readonly version: number;
}

function validState(fields: UncheckedFields): AlertRuleState {
  ensure(
    Number.isSafeInteger(fields.version) && fields.version >= 1,
    'alert_rule.invalid_version',
    'version must be a whole number ≥ 1',
    { version: fields.version },
  );
  ensure(
    typeof fields.enabled === 'boolean',
    'alert_rule.invalid_enabled',
    'enabled must be a boolean',
  );
  return {
    alertRuleId: requiredText(fields.alertRuleId, 'alertRuleId', 'alert_rule.invalid_id'),
    tenantId: toTenantId(fields.tenantId),
    name: requiredText(
      fields.name,
      'name',
      'alert_rule.name_required',
      ALERT_RULE_NAME_MAX_LENGTH,
    ).trim(),
    scope: alertScope(fields.scope),
    condition: alertCondition(fields.condition),
    severity: toSeverity(fields.severity),
    actions: alertActions(fields.actions),
    enabled: fields.enabled,
    version: fields.version,
  };
}

function ensureKnownReceivers(
  actions: readonly AlertAction[],
  known: ReadonlySet<string> | undefined,
): void {
  if (known === undefined) return;
  for (const id of receiverIdsOf(actions)) {
    ensure(known.has(id), 'alert_rule.unknown_receiver', `no receiver ${id} in this tenant`, {
      receiverId: id,
    });
  }
}

function ensureNameFree(nameTaken: boolean, name: string): void {
  ensure(
    !nameTaken,
    'alert_rule.name_not_unique',
    `an alert rule named "${name}" already exists in this scope`,
    { name },
  );
}

/** Everything a user can change, as one comparable text: an update that changes nothing is a no-op. */
function configKey(state: AlertRuleState): string {
  return JSON.stringify([state.name, state.scope, state.condition, state.severity, state.actions]);
}

/**
 * A condition over a metric series that raises AlertTriggered when it holds long enough. The rule
 * is configuration; the per-group inactive/pending/firing state lives in AlertEvaluation so that
 * evaluating (every closed window) never conflicts with a user's edit of the rule.
 */
export class AlertRule extends AggregateRoot<AlertRuleEvent> {
  private state: AlertRuleState;

  private constructor(state: AlertRuleState) {
    super();
    this.state = state;
  }

  /** Creation publishes nothing: the contract has no AlertRule created event. */
  static create(input: CreateAlertRuleInput, context: AlertRuleContext): AlertRule {
    const state = validState({
      ...input,
      actions: input.actions ?? [],
      enabled: input.enabled ?? true,
      version: 1,
    });
    ensureResolvableMetric(state.condition, context.knownMetrics);
    ensureNameFree(context.nameTaken, state.name);
    ensureKnownReceivers(state.actions, context.knownReceivers);
    return new AlertRule(state);
  }

  /**
   * Stored rules are re-checked for shape but not for metric resolvability: a metric that stopped
   * reporting must not make its rule unloadable (it simply never fires).
   */
  static rehydrate(snapshot: AlertRuleSnapshot): AlertRule {
    return new AlertRule(validState(snapshot));
  }

  get id(): string {
    return this.state.alertRuleId;
  }

  get tenantId(): TenantId {
    return this.state.tenantId;
  }

  get enabled(): boolean {
    return this.state.enabled;
  }

  get version(): number {
    return this.state.version;
  }

  /**
   * Replaces the given parts. Uniqueness is checked only when name or scope change, resolvability
   * only when the condition changes, so an unrelated edit is not refused by a stale answer.
   */
  update(changes: AlertRuleChanges, context: AlertRuleContext): void {
    const current = this.state;
    const next = validState({
      ...current,
      name: changes.name ?? current.name,
      scope: changes.scope ?? current.scope,
      condition: changes.condition ?? current.condition,
      severity: changes.severity ?? current.severity,
      actions: changes.actions ?? current.actions,
    });
    if (changes.condition !== undefined)
      ensureResolvableMetric(next.condition, context.knownMetrics);
    if (next.name !== current.name || !sameAlertScope(next.scope, current.scope)) {
      ensureNameFree(context.nameTaken, next.name);
    }
    if (changes.actions !== undefined) ensureKnownReceivers(next.actions, context.knownReceivers);
    if (configKey(next) === configKey(current)) return;
    this.state = { ...next, version: current.version + 1 };
  }

  /** Idempotent: enabling an enabled rule is not a change and keeps the version. */
  enable(): void {
    if (this.state.enabled) return;
    this.state = { ...this.state, enabled: true, version: this.state.version + 1 };
  }

  /** A disabled rule never triggers; AlertEvaluation drops its groups' state. */
  disable(): void {
    if (!this.state.enabled) return;
    this.state = { ...this.state, enabled: false, version: this.state.version + 1 };
  }

  toSnapshot(): AlertRuleSnapshot {
    const { scope, condition, actions } = this.state;
    return {
      ...this.state,
      scope: { ...scope },
      condition: { ...condition, groupBy: [...condition.groupBy] },
      actions: actions.map((a) => ({ ...a })),
    };
  }
}

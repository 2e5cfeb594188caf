import { ensure } from '../kernel/domain-error.js';

export const ALERT_ACTION_TYPES = ['incident', 'webhook', 'email'] as const;
export type AlertActionType = (typeof ALERT_ACTION_TYPES)[number];

export const MAX_ACTIONS = 20;
/** Longest action target, after trimming. */
export const ALERT_ACTION_TARGET_MAX_LENGTH = 2048;
const WEBHOOK_PATTERN = /^https?:\/\/[^\s/?#]+[^\s]*$/;
const RECEIVER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * How a receiver action batches its alerts into notifications: Alertmanager's route settings
 * `group_by`, `group_wait`, `group_interval`, `repeat_interval`. Absent fields take the defaults
 * (notificationGrouping).
 */
export interface NotificationGroupingInput {
  /**
   * Label names whose values split the rule's alerts into groups, one notification stream each;
   * empty (the default): all the rule's alerts in one group; `['...']`: one group per alert.
   */
  readonly groupBy?: readonly string[] | undefined;
  readonly groupWaitSeconds?: number | undefined;
  readonly groupIntervalSeconds?: number | undefined;
  readonly repeatIntervalSeconds?: number | undefined;
}

/** Entity: what happens when the rule fires. */
export interface AlertAction extends NotificationGroupingInput {
  readonly type: AlertActionType;
  /**
   * Escalation policy / team for `incident`; for `webhook` a receiver id (a uuid: delivered,
   * signed, durable) or, as before receivers existed, an http(s) URL (accepted, not delivered);
   * an address for `email`. Only a receiver action may carry grouping settings.
   */
  readonly target: string;
}

export interface AlertActionInput extends NotificationGroupingInput {
  readonly type: string;
  readonly target: string;
}

/** Alertmanager's defaults: 30 s, 5 min, 4 h. */
export const DEFAULT_GROUP_WAIT_SECONDS = 30;
export const DEFAULT_GROUP_INTERVAL_SECONDS = 300;
export const DEFAULT_REPEAT_INTERVAL_SECONDS = 4 * 3600;
/** Bounds: a wait of an hour, an interval of a day, a repeat of 30 days at most. */
export const MAX_GROUP_WAIT_SECONDS = 3600;
export const MAX_GROUP_INTERVAL_SECONDS = 86_400;
export const MAX_REPEAT_INTERVAL_SECONDS = 30 * 86_400;
export const MAX_GROUP_BY_LABELS = 20;
export const GROUP_BY_LABEL_MAX_LENGTH = 128;
/** `groupBy: ['...']`: every label, one group per alert (Alertmanager's special value). */
export const GROUP_BY_ALL = '...';

/** A receiver action's grouping with every default applied. */
export interface NotificationGrouping {
  readonly groupBy: readonly string[];
  readonly groupWaitSeconds: number;
  readonly groupIntervalSeconds: number;
  readonly repeatIntervalSeconds: number;
}

export function notificationGrouping(action: NotificationGroupingInput): NotificationGrouping {
  return {
    groupBy: action.groupBy ?? [],
    groupWaitSeconds: action.groupWaitSeconds ?? DEFAULT_GROUP_WAIT_SECONDS,
    groupIntervalSeconds: action.groupIntervalSeconds ?? DEFAULT_GROUP_INTERVAL_SECONDS,
    repeatIntervalSeconds: action.repeatIntervalSeconds ?? DEFAULT_REPEAT_INTERVAL_SECONDS,
  };
}

function seconds(
  value: number | undefined,
  field: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  ensure(
    Number.isInteger(value) && value >= min && value <= max,
    'alert_rule.invalid_grouping',
    `${field} is a whole number of seconds, ${min} to ${max}`,
    { field },
  );
  return value;
}

function groupByLabels(input: readonly string[] | undefined): readonly string[] | undefined {
  if (input === undefined) return undefined;
  const list: unknown = input;
  ensure(
    Array.isArray(list) && input.length <= MAX_GROUP_BY_LABELS,
    'alert_rule.invalid_grouping',
    `groupBy: at most ${MAX_GROUP_BY_LABELS} label names`,
    { field: 'groupBy' },
  );
  const names = input.map((n) => (typeof n === 'string' ? n.trim() : ''));
  ensure(
    names.every((n) => n.length >= 1 && n.length <= GROUP_BY_LABEL_MAX_LENGTH),
    'alert_rule.invalid_grouping',
    `groupBy: each label name is 1-${GROUP_BY_LABEL_MAX_LENGTH} characters`,
    { field: 'groupBy' },
  );
  ensure(
    !names.includes(GROUP_BY_ALL) || names.length === 1,
    'alert_rule.invalid_grouping',
    `groupBy: '${GROUP_BY_ALL}' (every label) stands alone`,
    { field: 'groupBy' },
  );
  return [...new Set(names)];
}

/** The grouping fields given, validated, in a fixed key order (jsonb reorders keys). */
function groupingOf(input: NotificationGroupingInput): NotificationGroupingInput {
  const groupBy = groupByLabels(input.groupBy);
  const wait = seconds(input.groupWaitSeconds, 'groupWaitSeconds', 0, MAX_GROUP_WAIT_SECONDS);
  const interval = seconds(
    input.groupIntervalSeconds,
    'groupIntervalSeconds',
    1,
    MAX_GROUP_INTERVAL_SECONDS,
  );
  const repeat = seconds(
    input.repeatIntervalSeconds,
    'repeatIntervalSeconds',
    1,
    MAX_REPEAT_INTERVAL_SECONDS,
  );
  return {
    ...(groupBy === undefined ? {} : { groupBy }),
    ...(wait === undefined ? {} : { groupWaitSeconds: wait }),
    ...(interval === undefined ? {} : { groupIntervalSeconds: interval }),
    ...(repeat === undefined ? {} : { repeatIntervalSeconds: repeat }),
  };
}

const hasGrouping = (input: NotificationGroupingInput): boolean =>
  input.groupBy !== undefined ||
  input.groupWaitSeconds !== undefined ||
  input.groupIntervalSeconds !== undefined ||
  input.repeatIntervalSeconds !== undefined;

function targetMatches(type: AlertActionType, target: string): boolean {
  switch (type) {
    case 'incident':
      return true;
    case 'webhook':
      return RECEIVER_ID_PATTERN.test(target) || WEBHOOK_PATTERN.test(target);
    case 'email':
      return EMAIL_PATTERN.test(target);
    default: {
      const unreachable: never = type;
      throw new Error(`unknown action type ${String(unreachable)}`);
    }
  }
}

export function alertAction(input: AlertActionInput): AlertAction {
  ensure(
    (ALERT_ACTION_TYPES as readonly string[]).includes(input.type),
    'alert_rule.invalid_action',
    `action type must be one of ${ALERT_ACTION_TYPES.join(', ')}`,
    { type: input.type },
  );
  const type = input.type as AlertActionType;
  const target = typeof input.target === 'string' ? input.target.trim() : '';
  ensure(
    target !== '' && target.length <= ALERT_ACTION_TARGET_MAX_LENGTH && targetMatches(type, target),
    'alert_rule.invalid_action',
    `action target is not a valid ${type} target`,
    { type },
  );
  const receiver = isReceiverTarget({ type, target });
  ensure(
    receiver || !hasGrouping(input),
    'alert_rule.invalid_grouping',
    'only a webhook action naming a receiver takes groupBy and the grouping intervals',
    { type },
  );
  // Receiver ids are compared as stored: lower-case, so one receiver is never listed twice.
  return receiver ? { type, target: target.toLowerCase(), ...groupingOf(input) } : { type, target };
}

/** A webhook action that names a receiver (by id) rather than a bare URL. */
export function isReceiverTarget(action: {
  readonly type: string;
  readonly target: string;
}): boolean {
  return action.type === 'webhook' && RECEIVER_ID_PATTERN.test(action.target);
}

/** The receiver ids a rule's actions name, each once. */
export function receiverIdsOf(actions: readonly AlertAction[]): string[] {
  return [...new Set(actions.filter(isReceiverTarget).map((a) => a.target))];
}

/** Duplicates would notify the same target twice per firing, so they are refused. */
export function alertActions(inputs: readonly AlertActionInput[]): readonly AlertAction[] {
  ensure(
    inputs.length <= MAX_ACTIONS,
    'alert_rule.too_many_actions',
    `at most ${MAX_ACTIONS} actions per rule`,
    { count: inputs.length },
  );
  const actions = inputs.map(alertAction);
  const keys = new Set(actions.map((a) => `${a.type} ${a.target}`));
  ensure(
    keys.size === actions.length,
    'alert_rule.duplicate_action',
    'the same action (type and target) is listed twice',
  );
  return actions;
}

/**
 * The actions as AlertTriggered publishes them on a public topic: receiver ids, escalation targets
 * and addresses as they are; a legacy `webhook` URL (never called, possibly with a token in its
 * path or query) reduced to its origin, so no credential leaves the service.
 */
export function publishedActions(actions: readonly AlertAction[]): AlertAction[] {
  return actions.map((action) => {
    // The grouping settings are this service's concern: the event carries type and target only.
    if (action.type !== 'webhook' || isReceiverTarget(action)) {
      return { type: action.type, target: action.target };
    }
    let origin: string;
    try {
      origin = new URL(action.target).origin;
    } catch {
      origin = 'invalid:';
    }
    return { type: action.type, target: origin };
  });
}

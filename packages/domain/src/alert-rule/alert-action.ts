import { ensure } from '../kernel/domain-error.js';

export const ALERT_ACTION_TYPES = ['incident', 'webhook', 'email'] as const;
export type AlertActionType = (typeof ALERT_ACTION_TYPES)[number];

export const MAX_ACTIONS = 20;
/** Longest action target, after trimming. */
export const ALERT_ACTION_TARGET_MAX_LENGTH = 2048;
const WEBHOOK_PATTERN = /^https?:\/\/[^\s/?#]+[^\s]*$/;
const RECEIVER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Entity: what happens when the rule fires. */
export interface AlertAction {
  readonly type: AlertActionType;
  /**
   * Escalation policy / team for `incident`; for `webhook` a receiver id (a uuid: delivered,
   * signed, durable) or, as before receivers existed, an http(s) URL (accepted, not delivered);
   * an address for `email`.
   */
  readonly target: string;
}

export interface AlertActionInput {
  readonly type: string;
  readonly target: string;
}

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
  // Receiver ids are compared as stored: lower-case, so one receiver is never listed twice.
  return { type, target: isReceiverTarget({ type, target }) ? target.toLowerCase() : target };
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
    if (action.type !== 'webhook' || isReceiverTarget(action)) return { ...action };
    let origin: string;
    try {
      origin = new URL(action.target).origin;
    } catch {
      origin = 'invalid:';
    }
    return { type: action.type, target: origin };
  });
}

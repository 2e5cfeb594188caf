import { AggregateRoot, type DomainEvent } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import {
  compileMatcher,
  labelMatchers,
  type LabelMatcher,
  type LabelMatcherInput,
} from '../silence/label-matcher.js';
import { REFERENCE_MAX_LENGTH } from '../feedback-item/feedback-values.js';

/**
 * The labels a routing rule's matchers see on a feedback item: the same matcher semantics as
 * Alertmanager's (and the silences'): `=`, `!=`, `=~`, `!~`, regexes anchored, a missing value
 * is the empty string.
 */
export const FEEDBACK_ROUTE_LABELS = [
  'source',
  'category',
  'sentiment',
  'project',
  'module',
  'artifact',
] as const;
export type FeedbackRouteLabel = (typeof FEEDBACK_ROUTE_LABELS)[number];
export type FeedbackRouteLabels = Readonly<Record<FeedbackRouteLabel, string>>;

export const FEEDBACK_ROUTE_NAME_MAX_LENGTH = 200;
/** Positions order the rules; 0 is tried first. */
export const FEEDBACK_ROUTE_POSITION_MAX = 1_000_000;

export interface FeedbackRouteSnapshot {
  readonly feedbackRouteId: string;
  readonly tenantId: string;
  readonly name: string;
  /** Rules are tried by ascending position (one rule per position); the first match wins. */
  readonly position: number;
  readonly matchers: readonly LabelMatcher[];
  /** The team, backlog or agent id the item is routed to (what `routedTo` becomes). */
  readonly to: string;
  /** An alert-rule-service receiver told of each item this rule routes; null for none. */
  readonly receiverId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface FeedbackRouteInput {
  readonly name: string;
  readonly position: number;
  readonly matchers: readonly LabelMatcherInput[];
  readonly to: string;
  readonly receiverId?: string | null;
}

type FeedbackRouteState = Omit<FeedbackRouteSnapshot, 'tenantId'> & { readonly tenantId: TenantId };

/** Routing rules publish nothing: they shape the items' own events (FeedbackItemRouted). */
type NoEvent = DomainEvent<never, never>;

function reference(value: string, field: string, code: string): string {
  return requiredText(value, field, code, REFERENCE_MAX_LENGTH).trim();
}

function ruleFields(input: FeedbackRouteInput) {
  ensure(
    Number.isSafeInteger(input.position) &&
      input.position >= 0 &&
      input.position <= FEEDBACK_ROUTE_POSITION_MAX,
    'feedback_route.invalid_position',
    `position is a whole number from 0 to ${FEEDBACK_ROUTE_POSITION_MAX}`,
    { field: 'position' },
  );
  const receiverId =
    input.receiverId === null || input.receiverId === undefined || input.receiverId.trim() === ''
      ? null
      : reference(input.receiverId, 'receiverId', 'feedback_route.invalid_receiver');
  return {
    name: requiredText(
      input.name,
      'name',
      'feedback_route.name_required',
      FEEDBACK_ROUTE_NAME_MAX_LENGTH,
    ).trim(),
    position: input.position,
    // An empty list matches every item: a catch-all rule at the end, as Alertmanager's root route.
    matchers: labelMatchers(input.matchers, 'matchers', false, 'feedback_route'),
    to: reference(input.to, 'to', 'feedback_route.target_required'),
    receiverId,
  };
}

/**
 * A routing rule of the improvement loop: new feedback items whose labels match go to `to`
 * (and its receiver is told). Rules apply at creation only; changing one never moves items
 * already routed (they keep the routedTo they were given, like a delivered message).
 */
export class FeedbackRoute extends AggregateRoot<NoEvent> {
  private constructor(private state: FeedbackRouteState) {
    super();
  }

  static create(
    input: FeedbackRouteInput & { feedbackRouteId: string; tenantId: string; at: string },
  ): FeedbackRoute {
    return new FeedbackRoute({
      feedbackRouteId: input.feedbackRouteId,
      tenantId: toTenantId(input.tenantId),
      ...ruleFields(input),
      createdAt: input.at,
      updatedAt: input.at,
    });
  }

  static rehydrate(snapshot: FeedbackRouteSnapshot): FeedbackRoute {
    return new FeedbackRoute({ ...snapshot, tenantId: toTenantId(snapshot.tenantId) });
  }

  get id(): string {
    return this.state.feedbackRouteId;
  }

  /** Replaces the rule (PUT); items it routed before keep their target. */
  redefine(input: FeedbackRouteInput, at: string): void {
    this.state = { ...this.state, ...ruleFields(input), updatedAt: at };
  }

  matches(labels: FeedbackRouteLabels): boolean {
    return this.state.matchers.every((m) => compileMatcher(m)(labels));
  }

  toSnapshot(): FeedbackRouteSnapshot {
    return { ...this.state, matchers: [...this.state.matchers] };
  }
}

/** Where a matching rule sends an item. */
export interface FeedbackRouting {
  readonly feedbackRouteId: string;
  readonly to: string;
  readonly receiverId: string | null;
}

/** Sorts rules as they are tried: by position (unique per tenant; the id only breaks a tie). */
export function routingOrder(a: FeedbackRouteSnapshot, b: FeedbackRouteSnapshot): number {
  if (a.position !== b.position) return a.position - b.position;
  return a.feedbackRouteId < b.feedbackRouteId ? -1 : a.feedbackRouteId > b.feedbackRouteId ? 1 : 0;
}

/** The first rule (in routing order) whose matchers all match, or null: the item stays captured. */
export function firstMatchingRoute(
  rules: readonly FeedbackRoute[],
  labels: FeedbackRouteLabels,
): FeedbackRouting | null {
  const ordered = [...rules].sort((a, b) => routingOrder(a.toSnapshot(), b.toSnapshot()));
  const hit = ordered.find((rule) => rule.matches(labels));
  if (!hit) return null;
  const { feedbackRouteId, to, receiverId } = hit.toSnapshot();
  return { feedbackRouteId, to, receiverId };
}

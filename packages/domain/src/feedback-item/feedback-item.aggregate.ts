import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, traceId as toTraceId } from '../kernel/ids.js';
import type { TenantId } from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';
import type { FeedbackRouteLabels } from '../feedback-route/feedback-route.aggregate.js';
import {
  attachmentList,
  feedbackAttachment,
  sameAttachment,
  MAX_ATTACHMENTS,
  type FeedbackAttachment,
  type FeedbackAttachmentInput,
} from './feedback-attachment.js';
import { FEEDBACK_ITEM_AGGREGATE_TYPE, type FeedbackItemEvent } from './feedback-item.events.js';
import {
  feedbackCategory,
  feedbackDetail,
  feedbackSource,
  feedbackStatus,
  feedbackSummary,
  optionalReference,
  requiresSourceId,
  sentiment,
  type FeedbackCategory,
  type FeedbackSource,
  type FeedbackStatus,
  type Sentiment,
} from './feedback-values.js';

export interface FeedbackItemSnapshot {
  readonly feedbackItemId: string;
  readonly tenantId: string;
  readonly projectId: string | null;
  readonly artifactId: string | null;
  /** The module of the project it is about (an incident's moduleId), when known. */
  readonly moduleId: string | null;
  readonly source: FeedbackSource;
  readonly sourceId: string | null;
  readonly category: FeedbackCategory;
  readonly sentiment: Sentiment;
  readonly summary: string;
  readonly detail: string | null;
  readonly traceId: string | null;
  readonly status: FeedbackStatus;
  /** Where the item was routed (a backlog, a team, an agent); null until routed. */
  readonly routedTo: string | null;
  readonly createdAt: string;
  readonly routedAt: string | null;
  readonly appliedAt: string | null;
  /** The change that applied it (a commit, pull request, deployment or ticket); null until applied. */
  readonly appliedChangeRef: string | null;
  readonly attachments: readonly FeedbackAttachment[];
}

export interface CreateFeedbackItemInput {
  /** Chosen by the service (a UUID); the domain has no randomness. */
  readonly feedbackItemId: string;
  readonly tenantId: string;
  readonly projectId?: string | null;
  readonly artifactId?: string | null;
  readonly source: string;
  readonly moduleId?: string | null;
  readonly sourceId?: string | null;
  readonly category: string;
  readonly sentiment: string;
  readonly summary: string;
  readonly detail?: string | null;
  readonly traceId?: string | null;
  readonly createdAt: string;
  readonly attachments?: readonly FeedbackAttachmentInput[];
}

export interface RouteFeedbackInput {
  readonly to: string;
  readonly at: string;
  /** The routing rule that chose the target (null or absent: routed by hand). */
  readonly feedbackRouteId?: string | null;
  /** The receiver that rule tells of the item. */
  readonly receiverId?: string | null;
}

export interface ApplyFeedbackInput {
  /** What applied the improvement: a commit, pull request, deployment or ticket reference. */
  readonly changeRef: string;
  readonly at: string;
}

type FeedbackItemState = Omit<FeedbackItemSnapshot, 'tenantId'> & { readonly tenantId: TenantId };

/** The snapshot shape before its enumerations have been checked (create input, stored rows). */
type UncheckedFields = Omit<
  FeedbackItemSnapshot,
  'source' | 'category' | 'sentiment' | 'status' | 'attachments'
> & {
  readonly source: string;
  readonly category: string;
  readonly sentiment: string;
  readonly status: string;
  readonly attachments: readonly FeedbackAttachmentInput[];
};

/** The status that may follow `from`, or null when `from` is final. */
function nextStatus(from: FeedbackStatus): FeedbackStatus | null {
  switch (from) {
    case 'captured':
      return 'routed';
    case 'routed':
      return 'applied';
    case 'applied':
      return null;
    default: {
      const unreachable: never = from;
      throw new Error(`unknown feedback status ${String(unreachable)}`);
    }
  }
}

function instant(value: string, field: string): string {
  return toIso(parseInstant(value, field));
}

function optionalInstant(value: string | null, field: string): string | null {
  return value === null ? null : instant(value, field);
}

function ensureNotBefore(later: string | null, earlier: string | null, field: string): void {
  if (later === null || earlier === null) return;
  ensure(
    Date.parse(later) >= Date.parse(earlier),
    'feedback.time_out_of_order',
    `${field} must not be earlier than the previous lifecycle step`,
    { field, at: later, previous: earlier },
  );
}

/** Lifecycle timestamps and targets must match the status, whatever path built the state. */
function ensureLifecycle(state: FeedbackItemState): void {
  const routed = state.routedTo !== null && state.routedAt !== null;
  const applied = state.appliedAt !== null && state.appliedChangeRef !== null;
  const partlyApplied = state.appliedAt !== null || state.appliedChangeRef !== null;
  const consistent =
    (state.status === 'captured' &&
      state.routedTo === null &&
      state.routedAt === null &&
      !partlyApplied) ||
    (state.status === 'routed' && routed && !partlyApplied) ||
    (state.status === 'applied' && routed && applied);
  ensure(
    consistent,
    'feedback.inconsistent_lifecycle',
    'routedTo, routedAt, appliedAt and appliedChangeRef must match the status',
    { status: state.status },
  );
  ensureNotBefore(state.routedAt, state.createdAt, 'routedAt');
  ensureNotBefore(state.appliedAt, state.routedAt, 'appliedAt');
}

/** Every invariant of the aggregate, checked for create and rehydrate alike. */
function validState(snapshot: UncheckedFields): FeedbackItemState {
  const source = feedbackSource(snapshot.source);
  const state: FeedbackItemState = {
    feedbackItemId: requiredText(snapshot.feedbackItemId, 'feedbackItemId', 'feedback.invalid_id'),
    tenantId: toTenantId(snapshot.tenantId),
    projectId: optionalReference(snapshot.projectId, 'projectId'),
    artifactId: optionalReference(snapshot.artifactId, 'artifactId'),
    moduleId: optionalReference(snapshot.moduleId, 'moduleId'),
    source,
    sourceId: optionalReference(snapshot.sourceId, 'sourceId'),
    category: feedbackCategory(snapshot.category),
    sentiment: sentiment(snapshot.sentiment),
    summary: feedbackSummary(snapshot.summary),
    detail: feedbackDetail(snapshot.detail),
    traceId:
      snapshot.traceId === null || snapshot.traceId.trim() === ''
        ? null
        : toTraceId(snapshot.traceId),
    status: feedbackStatus(snapshot.status),
    routedTo: optionalReference(snapshot.routedTo, 'routedTo'),
    createdAt: instant(snapshot.createdAt, 'createdAt'),
    routedAt: optionalInstant(snapshot.routedAt, 'routedAt'),
    appliedAt: optionalInstant(snapshot.appliedAt, 'appliedAt'),
    appliedChangeRef: optionalReference(snapshot.appliedChangeRef, 'appliedChangeRef'),
    attachments: attachmentList(snapshot.attachments),
  };
  ensure(
    !requiresSourceId(source) || state.sourceId !== null,
    'feedback.source_id_required',
    `sourceId is required when source is ${source}`,
    { source },
  );
  ensure(
    state.projectId !== null || state.artifactId !== null,
    'feedback.attribution_required',
    'feedback must name a projectId or an artifactId',
  );
  ensureLifecycle(state);
  return state;
}

/**
 * A durable piece of feedback for the improvement loop. The summary is what downstream consumers
 * act on, so it is frozen once the item has been routed to them.
 */
export class FeedbackItem extends AggregateRoot<FeedbackItemEvent> {
  private state: FeedbackItemState;

  private constructor(state: FeedbackItemState) {
    super();
    this.state = state;
  }

  static create(input: CreateFeedbackItemInput): FeedbackItem {
    const state = validState({
      feedbackItemId: input.feedbackItemId,
      tenantId: input.tenantId,
      projectId: input.projectId ?? null,
      artifactId: input.artifactId ?? null,
      moduleId: input.moduleId ?? null,
      source: input.source,
      sourceId: input.sourceId ?? null,
      category: input.category,
      sentiment: input.sentiment,
      summary: input.summary,
      detail: input.detail ?? null,
      traceId: input.traceId ?? null,
      status: 'captured',
      routedTo: null,
      createdAt: input.createdAt,
      routedAt: null,
      appliedAt: null,
      appliedChangeRef: null,
      attachments: input.attachments ?? [],
    });
    const item = new FeedbackItem(state);
    item.record({
      eventType: 'FeedbackItemCreated',
      aggregateType: FEEDBACK_ITEM_AGGREGATE_TYPE,
      aggregateId: state.feedbackItemId,
      tenantId: state.tenantId,
      traceId: state.traceId,
      occurredAt: state.createdAt,
      payload: {
        feedbackItemId: state.feedbackItemId,
        projectId: state.projectId,
        artifactId: state.artifactId,
        source: state.source,
        sourceId: state.sourceId,
        category: state.category,
        sentiment: state.sentiment,
        summary: state.summary,
        createdAt: state.createdAt,
      },
    });
    return item;
  }

  static rehydrate(snapshot: FeedbackItemSnapshot): FeedbackItem {
    return new FeedbackItem(validState(snapshot));
  }

  get id(): string {
    return this.state.feedbackItemId;
  }

  get status(): FeedbackStatus {
    return this.state.status;
  }

  /** What routing rules match on (a missing value is the empty string, as for alert labels). */
  routeLabels(): FeedbackRouteLabels {
    return {
      source: this.state.source,
      category: this.state.category,
      sentiment: this.state.sentiment,
      project: this.state.projectId ?? '',
      module: this.state.moduleId ?? '',
      artifact: this.state.artifactId ?? '',
    };
  }

  /** Hands the item to a consumer of the loop; from here on its summary is frozen. */
  route(input: RouteFeedbackInput): void {
    this.ensureNext('routed');
    const to = optionalReference(input.to, 'routedTo');
    ensure(to !== null, 'feedback.route_target_required', 'route needs a target (to)');
    const at = instant(input.at, 'at');
    ensureNotBefore(at, this.state.createdAt, 'routedAt');
    this.state = { ...this.state, status: 'routed', routedTo: to, routedAt: at };
    this.record({
      eventType: 'FeedbackItemRouted',
      aggregateType: FEEDBACK_ITEM_AGGREGATE_TYPE,
      aggregateId: this.state.feedbackItemId,
      tenantId: this.state.tenantId,
      traceId: this.state.traceId,
      occurredAt: at,
      payload: {
        feedbackItemId: this.state.feedbackItemId,
        projectId: this.state.projectId,
        artifactId: this.state.artifactId,
        category: this.state.category,
        sentiment: this.state.sentiment,
        summary: this.state.summary,
        routedTo: to,
        feedbackRouteId: input.feedbackRouteId ?? null,
        receiverId: input.receiverId ?? null,
        routedAt: at,
      },
    });
  }

  /** Marks the improvement as applied by a named change; the item is final afterwards. */
  apply(input: ApplyFeedbackInput): void {
    this.ensureNext('applied');
    const changeRef = optionalReference(input.changeRef, 'appliedChangeRef');
    ensure(
      changeRef !== null,
      'feedback.change_ref_required',
      'apply needs a reference to the change that applied it (changeRef)',
    );
    const at = instant(input.at, 'at');
    ensureNotBefore(at, this.state.routedAt, 'appliedAt');
    this.state = {
      ...this.state,
      status: 'applied',
      appliedAt: at,
      appliedChangeRef: changeRef,
    };
    this.record({
      eventType: 'FeedbackItemApplied',
      aggregateType: FEEDBACK_ITEM_AGGREGATE_TYPE,
      aggregateId: this.state.feedbackItemId,
      tenantId: this.state.tenantId,
      traceId: this.state.traceId,
      occurredAt: at,
      payload: {
        feedbackItemId: this.state.feedbackItemId,
        projectId: this.state.projectId,
        artifactId: this.state.artifactId,
        routedTo: this.state.routedTo ?? '',
        changeRef,
        appliedAt: at,
      },
    });
  }

  editSummary(summary: string): void {
    ensure(
      this.state.status === 'captured',
      'feedback.summary_immutable',
      'the summary cannot change once the item has been routed',
      { status: this.state.status },
    );
    this.state = { ...this.state, summary: feedbackSummary(summary) };
  }

  /**
   * Refuses when no further attachment can be accepted: asked before a file is uploaded, so a
   * refused upload never writes a blob, and again by `attach` under the row lock.
   */
  ensureAcceptsAttachment(): void {
    ensure(
      this.state.status !== 'applied',
      'feedback.applied_immutable',
      'an applied feedback item accepts no more attachments',
    );
    ensure(
      this.state.attachments.length < MAX_ATTACHMENTS,
      'feedback.too_many_attachments',
      `at most ${MAX_ATTACHMENTS} attachments per feedback item`,
    );
  }

  /** Evidence may be added until the improvement is applied. */
  attach(input: FeedbackAttachmentInput): void {
    this.ensureAcceptsAttachment();
    const attachment = feedbackAttachment(input);
    ensure(
      !this.state.attachments.some((a) => sameAttachment(a, attachment)),
      'feedback.duplicate_attachment',
      'this blob is already attached',
      { blobRef: attachment.blobRef },
    );
    this.state = { ...this.state, attachments: [...this.state.attachments, attachment] };
  }

  toSnapshot(): FeedbackItemSnapshot {
    return { ...this.state, attachments: this.state.attachments.map((a) => ({ ...a })) };
  }

  private ensureNext(to: FeedbackStatus): void {
    ensure(
      nextStatus(this.state.status) === to,
      'feedback.invalid_transition',
      `a ${this.state.status} feedback item cannot become ${to}`,
      { from: this.state.status, to },
    );
  }
}

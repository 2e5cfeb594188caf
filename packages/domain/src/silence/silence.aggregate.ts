import { AggregateRoot, type DomainEvent } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import {
  compileMatcher,
  labelMatchers,
  type LabelMatcher,
  type LabelMatcherInput,
} from './label-matcher.js';

export const SILENCE_STATES = ['pending', 'active', 'expired'] as const;
/** pending: startsAt is ahead; active: startsAt ≤ now < endsAt; expired: endsAt ≤ now. */
export type SilenceState = (typeof SILENCE_STATES)[number];

export const SILENCE_COMMENT_MAX_LENGTH = 1_000;
export const SILENCE_CREATED_BY_MAX_LENGTH = 200;
/** The longest a silence may last: a year (a longer mute is a rule to change, not a silence). */
export const SILENCE_MAX_DURATION_MS = 366 * 86_400_000;

export interface SilenceSnapshot {
  readonly silenceId: string;
  readonly tenantId: string;
  readonly matchers: readonly LabelMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CreateSilenceInput {
  readonly silenceId: string;
  readonly tenantId: string;
  readonly matchers: readonly LabelMatcherInput[];
  /** Absent, or in the past: now (Alertmanager starts a silence no earlier than its creation). */
  readonly startsAt?: string | undefined;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  /** Command time, ISO-8601. */
  readonly at: string;
}

/** The state of a silence at `at` (epoch ms). */
export function silenceStateAt(
  silence: Pick<SilenceSnapshot, 'startsAt' | 'endsAt'>,
  at: number,
): SilenceState {
  if (Date.parse(silence.endsAt) <= at) return 'expired';
  return Date.parse(silence.startsAt) <= at ? 'active' : 'pending';
}

/** Whether the silence's matchers all match the alert's labels. */
export function silenceMatches(
  silence: Pick<SilenceSnapshot, 'matchers'>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return silence.matchers.every((m) => compileMatcher(m)(labels));
}

/**
 * A tenant's silence (Alertmanager semantics): while active, an alert whose labels all its
 * matchers match is muted — it keeps its state, but no notification is sent and no incident
 * opened. Expiring it early (DELETE) ends it now; an expired silence stays readable. No events:
 * read only by this service.
 */
export class Silence extends AggregateRoot<DomainEvent> {
  private constructor(private state: SilenceSnapshot & { readonly tenantId: TenantId }) {
    super();
  }

  static create(input: CreateSilenceInput): Silence {
    const at = Date.parse(input.at);
    const requested = input.startsAt === undefined ? at : Date.parse(input.startsAt);
    const endsAt = Date.parse(input.endsAt);
    ensure(
      !Number.isNaN(requested) && !Number.isNaN(endsAt),
      'silence.invalid_period',
      'startsAt and endsAt must be ISO-8601 instants',
    );
    const startsAt = Math.max(requested, at);
    ensure(endsAt > at, 'silence.ends_in_past', 'endsAt must be in the future');
    ensure(endsAt > startsAt, 'silence.invalid_period', 'endsAt must be after startsAt');
    ensure(
      endsAt - startsAt <= SILENCE_MAX_DURATION_MS,
      'silence.too_long',
      'a silence lasts at most 366 days',
    );
    return new Silence({
      silenceId: input.silenceId,
      tenantId: toTenantId(input.tenantId),
      matchers: labelMatchers(input.matchers, 'matchers', true),
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      createdBy: requiredText(
        input.createdBy,
        'createdBy',
        'silence.created_by_required',
        SILENCE_CREATED_BY_MAX_LENGTH,
      ).trim(),
      comment: requiredText(
        input.comment,
        'comment',
        'silence.comment_required',
        SILENCE_COMMENT_MAX_LENGTH,
      ).trim(),
      version: 1,
      createdAt: input.at,
      updatedAt: input.at,
    });
  }

  static rehydrate(snapshot: SilenceSnapshot): Silence {
    return new Silence({ ...snapshot, tenantId: toTenantId(snapshot.tenantId) });
  }

  get id(): string {
    return this.state.silenceId;
  }

  get version(): number {
    return this.state.version;
  }

  /**
   * Ends the silence now (Alertmanager's expire): endsAt becomes `at`, and a pending one's
   * startsAt too. An expired silence cannot be expired again.
   */
  expire(at: string): void {
    const now = Date.parse(at);
    ensure(
      silenceStateAt(this.state, now) !== 'expired',
      'silence.already_expired',
      'the silence has already expired',
      { silenceId: this.state.silenceId },
    );
    const startsAt = Date.parse(this.state.startsAt) > now ? at : this.state.startsAt;
    this.state = {
      ...this.state,
      startsAt,
      endsAt: at,
      version: this.state.version + 1,
      updatedAt: at,
    };
  }

  toSnapshot(): SilenceSnapshot {
    return { ...this.state, matchers: [...this.state.matchers] };
  }
}

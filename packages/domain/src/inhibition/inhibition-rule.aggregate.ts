import { AggregateRoot, type DomainEvent } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import {
  compileMatcher,
  labelMatchers,
  MATCHER_NAME_MAX_LENGTH,
  type LabelMatcher,
  type LabelMatcherInput,
} from '../silence/label-matcher.js';

/** Label names an inhibition rule's `equal` may list, at most. */
export const INHIBITION_EQUAL_MAX = 20;
export const INHIBITION_COMMENT_MAX_LENGTH = 1_000;

export interface InhibitionRuleSnapshot {
  readonly inhibitionRuleId: string;
  readonly tenantId: string;
  readonly sourceMatchers: readonly LabelMatcher[];
  readonly targetMatchers: readonly LabelMatcher[];
  readonly equal: readonly string[];
  readonly comment: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface InhibitionRuleInput {
  readonly sourceMatchers: readonly LabelMatcherInput[];
  readonly targetMatchers: readonly LabelMatcherInput[];
  readonly equal?: readonly string[] | undefined;
  readonly comment?: string | undefined;
}

export interface CreateInhibitionRuleInput extends InhibitionRuleInput {
  readonly inhibitionRuleId: string;
  readonly tenantId: string;
  /** Command time, ISO-8601. */
  readonly at: string;
}

/** A firing alert as inhibition sees it: its fingerprint and labels. */
export interface InhibitingAlert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
}

function equalLabels(input: readonly string[] | undefined): readonly string[] {
  const list: unknown = input ?? [];
  ensure(
    Array.isArray(list) && list.length <= INHIBITION_EQUAL_MAX,
    'inhibition_rule.invalid_equal',
    `equal: at most ${INHIBITION_EQUAL_MAX} label names`,
    { field: 'equal' },
  );
  const names = (list as unknown[]).map((name) => (typeof name === 'string' ? name.trim() : ''));
  ensure(
    names.every((n) => n.length >= 1 && n.length <= MATCHER_NAME_MAX_LENGTH),
    'inhibition_rule.invalid_equal',
    `equal: each label name is 1-${MATCHER_NAME_MAX_LENGTH} characters`,
    { field: 'equal' },
  );
  return [...new Set(names)];
}

function comment(value: string | undefined): string {
  const text = (value ?? '').trim();
  ensure(
    text.length <= INHIBITION_COMMENT_MAX_LENGTH,
    'inhibition_rule.invalid_comment',
    `comment: at most ${INHIBITION_COMMENT_MAX_LENGTH} characters`,
    { field: 'comment' },
  );
  return text;
}

/**
 * A tenant's inhibition rule (Alertmanager's `inhibit_rules`): while an alert matching
 * `sourceMatchers` fires, alerts matching `targetMatchers` whose `equal` labels have the same
 * values (a label missing on both sides counts as equal, the empty string) are muted: they keep
 * their state, send nothing and open no incident. Both matcher lists must be selective (a rule
 * whose source or target matches every alert is refused, as a silence matching everything is).
 * No events: read only by this service.
 */
export class InhibitionRule extends AggregateRoot<DomainEvent> {
  private constructor(private state: InhibitionRuleSnapshot & { readonly tenantId: TenantId }) {
    super();
  }

  static create(input: CreateInhibitionRuleInput): InhibitionRule {
    return new InhibitionRule({
      inhibitionRuleId: input.inhibitionRuleId,
      tenantId: toTenantId(input.tenantId),
      ...InhibitionRule.config(input),
      version: 1,
      createdAt: input.at,
      updatedAt: input.at,
    });
  }

  static rehydrate(snapshot: InhibitionRuleSnapshot): InhibitionRule {
    return new InhibitionRule({ ...snapshot, tenantId: toTenantId(snapshot.tenantId) });
  }

  private static config(input: InhibitionRuleInput) {
    return {
      sourceMatchers: labelMatchers(input.sourceMatchers, 'sourceMatchers', true),
      targetMatchers: labelMatchers(input.targetMatchers, 'targetMatchers', true),
      equal: equalLabels(input.equal),
      comment: comment(input.comment),
    };
  }

  get id(): string {
    return this.state.inhibitionRuleId;
  }

  get version(): number {
    return this.state.version;
  }

  /** Replaces the rule's matchers, equal and comment; a replacement that changes nothing keeps the version. */
  replace(input: InhibitionRuleInput, at: string): void {
    const next = InhibitionRule.config(input);
    const current = this.state;
    if (
      JSON.stringify([next.sourceMatchers, next.targetMatchers, next.equal, next.comment]) ===
      JSON.stringify([
        current.sourceMatchers,
        current.targetMatchers,
        current.equal,
        current.comment,
      ])
    ) {
      return;
    }
    this.state = { ...current, ...next, version: current.version + 1, updatedAt: at };
  }

  toSnapshot(): InhibitionRuleSnapshot {
    return {
      ...this.state,
      sourceMatchers: [...this.state.sourceMatchers],
      targetMatchers: [...this.state.targetMatchers],
      equal: [...this.state.equal],
    };
  }
}

const matchAll = (matchers: readonly LabelMatcher[]) => {
  const compiled = matchers.map(compileMatcher);
  return (labels: Readonly<Record<string, string>>) => compiled.every((m) => m(labels));
};

/**
 * The inhibition rules that mute `target` given the tenant's firing alerts, as Alertmanager's
 * inhibitor decides (inhibit/inhibit.go): the target matches the rule's target matchers, and some
 * firing alert other than the target itself matches its source matchers and agrees on every
 * `equal` label. When the target also matches the source matchers, a source that also matches
 * the target matchers is not counted (two alerts matching both sides would otherwise mute each
 * other, and nothing would be sent).
 */
export function inhibitingRules(
  rules: readonly Pick<
    InhibitionRuleSnapshot,
    'inhibitionRuleId' | 'sourceMatchers' | 'targetMatchers' | 'equal'
  >[],
  target: InhibitingAlert,
  firing: readonly InhibitingAlert[],
): string[] {
  const by: string[] = [];
  for (const rule of rules) {
    const isTarget = matchAll(rule.targetMatchers);
    if (!isTarget(target.labels)) continue;
    const isSource = matchAll(rule.sourceMatchers);
    const twoSided = isSource(target.labels);
    const inhibited = firing.some(
      (source) =>
        source.fingerprint !== target.fingerprint &&
        isSource(source.labels) &&
        !(twoSided && isTarget(source.labels)) &&
        rule.equal.every((name) => (source.labels[name] ?? '') === (target.labels[name] ?? '')),
    );
    if (inhibited) by.push(rule.inhibitionRuleId);
  }
  return by;
}

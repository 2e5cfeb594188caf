import { AggregateRoot } from '../shared/aggregate-root.js';
import { ensure } from '../shared/domain-error.js';
import {
  requiredText,
  tenantId as toTenantId,
  traceId as toTraceId,
  type TenantId,
  type TraceId,
} from '../shared/ids.js';
import {
  telemetryDimensions,
  type TelemetryDimensions,
  type TelemetryDimensionsInput,
} from '../shared/telemetry-dimensions.js';
import { parseInstant, toIso } from '../shared/time.js';
import type { CorrelationKind } from './correlation-kind.js';
import {
  compareLinks,
  correlationLink,
  sameLinkTarget,
  type CorrelationLink,
} from './correlation-link.entity.js';
import {
  TELEMETRY_CORRELATION_AGGREGATE_TYPE,
  type TelemetryCorrelationEvent,
} from './telemetry-correlation.events.js';

/**
 * A link as the application resolved it. The domain does no I/O, so the caller looks the target
 * up (in the tenant's scope) and reports what it found: the target's tenant and whether it exists.
 */
export interface ResolvedLinkInput {
  readonly kind: string;
  readonly targetId: string;
  readonly store: string;
  readonly tenantId: string;
  readonly resolvable: boolean;
}

export interface StartCorrelationInput {
  readonly tenantId: string;
  readonly traceId: string;
  readonly projectId: string;
  /** Unknown until the trace itself is seen (an incident may arrive first). */
  readonly dimensions?: TelemetryDimensionsInput | null;
  readonly links?: readonly ResolvedLinkInput[];
  /** Event time of the event that caused the upsert. */
  readonly at: string;
}

export interface TelemetryCorrelationSnapshot {
  traceId: string;
  tenantId: string;
  projectId: string;
  dimensions: TelemetryDimensions | null;
  links: CorrelationLink[];
  updatedAt: string;
}

/**
 * The correlated view of one trace: one per (tenant, traceId), upserted as events about the trace
 * arrive in any order. Linking is idempotent so a redelivered event changes nothing, and links are
 * held in canonical order so the same set of events always yields the same snapshot.
 */
export class TelemetryCorrelation extends AggregateRoot<TelemetryCorrelationEvent> {
  private constructor(
    private readonly id: TraceId,
    private readonly tenant: TenantId,
    private readonly project: string,
    private dims: TelemetryDimensions | null,
    private linkList: readonly CorrelationLink[],
    private updatedAtMs: number,
  ) {
    super();
  }

  static start(input: StartCorrelationInput): TelemetryCorrelation {
    const at = parseInstant(input.at, 'at');
    const correlation = new TelemetryCorrelation(
      toTraceId(input.traceId),
      toTenantId(input.tenantId),
      requiredText(input.projectId, 'projectId', 'correlation.invalid_project_id'),
      null,
      [],
      at,
    );
    // A correlation with no links yet is still a fact worth snapshotting.
    if (!correlation.merge(input.dimensions ?? null, input.links ?? [], at)) {
      correlation.recordSnapshot(at);
    }
    return correlation;
  }

  /**
   * The upsert the spec asks for, as a domain rule: an existing correlation is reused only if it
   * is the same (tenant, traceId); otherwise a new one starts. The repository keys rows the same
   * way. Everything in the input is checked before anything changes, and one snapshot results.
   */
  static upsert(
    existing: TelemetryCorrelation | null,
    input: StartCorrelationInput,
  ): TelemetryCorrelation {
    if (existing === null) return TelemetryCorrelation.start(input);
    const at = parseInstant(input.at, 'at');
    ensure(
      existing.tenant === input.tenantId,
      'correlation.tenant_mismatch',
      'the correlation belongs to another tenant',
    );
    ensure(
      existing.id === input.traceId,
      'correlation.trace_id_mismatch',
      'the correlation belongs to another trace',
      { traceId: existing.id, requested: input.traceId },
    );
    existing.merge(input.dimensions ?? null, input.links ?? [], at);
    return existing;
  }

  static rehydrate(snapshot: TelemetryCorrelationSnapshot): TelemetryCorrelation {
    const id = toTraceId(snapshot.traceId);
    const tenant = toTenantId(snapshot.tenantId);
    const correlation = new TelemetryCorrelation(
      id,
      tenant,
      requiredText(snapshot.projectId, 'projectId', 'correlation.invalid_project_id'),
      null,
      [],
      parseInstant(snapshot.updatedAt, 'updatedAt'),
    );
    if (snapshot.dimensions) correlation.dims = correlation.checkDimensions(snapshot.dimensions);
    // Stored links were resolved when linked; they are re-checked for shape and uniqueness only.
    for (const link of snapshot.links) {
      correlation.linkList = correlation.withLink(correlation.linkList, {
        ...link,
        tenantId: tenant,
        resolvable: true,
      });
    }
    return correlation;
  }

  /**
   * Adds a link. Refuses a target of another tenant or one the application could not resolve.
   * The same (kind, targetId) again is a no-op with no event; with a different store it conflicts.
   * @returns whether the link was new.
   */
  link(input: ResolvedLinkInput, at: string): boolean {
    return this.merge(null, [input], parseInstant(at, 'at'));
  }

  /**
   * Sets the trace's dimensions, usually from TraceRecorded. Same values again change nothing;
   * new values replace old ones, because a late TraceRecorded carries the authoritative set.
   * @returns whether anything changed.
   */
  describe(dimensions: TelemetryDimensionsInput, at: string): boolean {
    return this.merge(dimensions, [], parseInstant(at, 'at'));
  }

  /** Proves every part of a change first, then applies it all and records one snapshot. */
  private merge(
    dimensions: TelemetryDimensionsInput | null,
    links: readonly ResolvedLinkInput[],
    at: number,
  ): boolean {
    const nextDims = dimensions === null ? this.dims : this.checkDimensions(dimensions);
    let nextLinks = this.linkList;
    for (const link of links) nextLinks = this.withLink(nextLinks, link);
    const dimsChanged =
      nextDims !== null && (this.dims === null || !sameDimensions(this.dims, nextDims));
    if (!dimsChanged && nextLinks === this.linkList) return false;
    this.dims = nextDims;
    this.linkList = nextLinks;
    this.touch(at);
    return true;
  }

  private checkDimensions(input: TelemetryDimensionsInput): TelemetryDimensions {
    const dims = Object.freeze(telemetryDimensions(input));
    ensure(
      dims.tenantId === this.tenant,
      'correlation.tenant_mismatch',
      'dimensions belong to another tenant',
    );
    return dims;
  }

  /** Returns `base` itself when the link is already held, a new sorted array otherwise. */
  private withLink(
    base: readonly CorrelationLink[],
    input: ResolvedLinkInput,
  ): readonly CorrelationLink[] {
    const link = correlationLink(input);
    ensure(
      input.tenantId === this.tenant,
      'correlation.tenant_mismatch',
      'a linked record belongs to another tenant',
      { kind: link.kind, targetId: link.targetId },
    );
    ensure(
      input.resolvable,
      'correlation.unresolvable_link',
      'the linked record could not be resolved',
      { kind: link.kind, targetId: link.targetId, store: link.store },
    );
    ensure(
      link.kind !== 'trace' || link.targetId === this.id,
      'correlation.trace_ref_mismatch',
      'the trace link must point at the correlation’s own trace',
      { targetId: link.targetId },
    );
    const held = base.find((l) => sameLinkTarget(l, link));
    if (held === undefined) return [...base, link].sort(compareLinks);
    ensure(
      held.store === link.store,
      'correlation.link_conflict',
      'this record is already linked from another store',
      { kind: link.kind, targetId: link.targetId, store: held.store },
    );
    return base;
  }

  private touch(at: number): void {
    // Events arrive out of order; updatedAt is the latest event time seen, never earlier.
    this.updatedAtMs = Math.max(this.updatedAtMs, at);
    this.recordSnapshot(at);
  }

  private recordSnapshot(at: number): void {
    this.record({
      eventType: 'CorrelationSnapshotted',
      aggregateType: TELEMETRY_CORRELATION_AGGREGATE_TYPE,
      aggregateId: this.id,
      tenantId: this.tenant,
      traceId: this.id,
      occurredAt: toIso(at),
      payload: {
        traceId: this.id,
        projectId: this.project,
        links: this.linkList.map((l) => ({ ...l })),
        updatedAt: toIso(this.updatedAtMs),
      },
    });
  }

  private refs(kind: CorrelationKind): readonly CorrelationLink[] {
    return this.linkList.filter((l) => l.kind === kind);
  }

  get traceId(): TraceId {
    return this.id;
  }
  get tenantId(): TenantId {
    return this.tenant;
  }
  get projectId(): string {
    return this.project;
  }
  get dimensions(): TelemetryDimensions | null {
    return this.dims;
  }
  get links(): readonly CorrelationLink[] {
    return this.linkList;
  }
  get traceRef(): CorrelationLink | null {
    return this.refs('trace')[0] ?? null;
  }
  get logRefs(): readonly CorrelationLink[] {
    return this.refs('log');
  }
  get metricRefs(): readonly CorrelationLink[] {
    return this.refs('metric');
  }
  get incidentRefs(): readonly CorrelationLink[] {
    return this.refs('incident');
  }
  get feedbackRefs(): readonly CorrelationLink[] {
    return this.refs('feedback');
  }
  get updatedAt(): string {
    return toIso(this.updatedAtMs);
  }

  toSnapshot(): TelemetryCorrelationSnapshot {
    return {
      traceId: this.id,
      tenantId: this.tenant,
      projectId: this.project,
      dimensions: this.dims === null ? null : { ...this.dims },
      links: this.linkList.map((l) => ({ ...l })),
      updatedAt: toIso(this.updatedAtMs),
    };
  }
}

function sameDimensions(a: TelemetryDimensions, b: TelemetryDimensions): boolean {
  return (Object.keys(a) as (keyof TelemetryDimensions)[]).every((k) => a[k] === b[k]);
}

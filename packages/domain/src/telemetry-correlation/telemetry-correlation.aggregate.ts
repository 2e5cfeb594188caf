import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import {
  requiredText,
  tenantId as toTenantId,
  traceId as toTraceId,
  type TenantId,
  type TraceId,
} from '../kernel/ids.js';
import {
  telemetryDimensions,
  type TelemetryDimensions,
  type TelemetryDimensionsInput,
} from '../kernel/telemetry-dimensions.js';
import { parseInstant, toIso } from '../kernel/time.js';
import type { CorrelationKind } from './correlation-kind.js';
import {
  compareLinks,
  correlationLink,
  sameLinkLocation,
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
  readonly locator?: Readonly<Record<string, string>> | undefined;
  readonly tenantId: string;
  readonly resolvable: boolean;
}

export interface StartCorrelationInput {
  readonly tenantId: string;
  readonly traceId: string;
  /** The project the causing record names; null when it names none (feedback may not). */
  readonly projectId: string | null;
  /** Unknown until the trace itself is seen (an incident may arrive first). */
  readonly dimensions?: TelemetryDimensionsInput | null;
  /**
   * Version of the trace record the dimensions come from (TraceRecorded's aggregate version):
   * a late TraceRecorded replaces the dimensions, an older one arriving after it does not.
   */
  readonly dimensionsVersion?: number;
  readonly links?: readonly ResolvedLinkInput[];
  /** Event time of the event that caused the upsert. */
  readonly at: string;
}

export interface TelemetryCorrelationSnapshot {
  traceId: string;
  tenantId: string;
  projectId: string | null;
  dimensions: TelemetryDimensions | null;
  /** 0 while dimensions are unknown. */
  dimensionsVersion: number;
  links: CorrelationLink[];
  updatedAt: string;
}

interface Change {
  readonly projectId: string | null;
  readonly dimensions: TelemetryDimensionsInput | null;
  readonly dimensionsVersion: number;
  readonly links: readonly ResolvedLinkInput[];
}

const NO_CHANGE: Change = { projectId: null, dimensions: null, dimensionsVersion: 1, links: [] };

/**
 * The correlated view of one trace: one per (tenant, traceId), upserted as events about the trace
 * arrive in any order. Every rule is order-free, so the same set of events, in any order and with
 * any redeliveries, yields the same snapshot:
 * - links are a set (identity kind + targetId) held in canonical order;
 * - dimensions are those of the highest trace-record version seen;
 * - the project is the trace's once the trace is seen, before that the least project id among the
 *   linked records (a fixed choice, so that it does not depend on which record came first);
 * - updatedAt is the latest event time seen.
 */
export class TelemetryCorrelation extends AggregateRoot<TelemetryCorrelationEvent> {
  private constructor(
    private readonly id: TraceId,
    private readonly tenant: TenantId,
    private project: string | null,
    private dims: TelemetryDimensions | null,
    private dimsVersion: number,
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
      null,
      null,
      0,
      [],
      at,
    );
    // A correlation with no links yet is still a fact worth snapshotting.
    if (!correlation.merge(changeOf(input), at)) correlation.recordSnapshot(at);
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
    existing.merge(changeOf(input), at);
    return existing;
  }

  static rehydrate(snapshot: TelemetryCorrelationSnapshot): TelemetryCorrelation {
    const id = toTraceId(snapshot.traceId);
    const tenant = toTenantId(snapshot.tenantId);
    const correlation = new TelemetryCorrelation(
      id,
      tenant,
      checkProject(snapshot.projectId),
      null,
      0,
      [],
      parseInstant(snapshot.updatedAt, 'updatedAt'),
    );
    ensure(
      (snapshot.dimensions === null) === (snapshot.dimensionsVersion === 0),
      'correlation.invalid_dimensions_version',
      'dimensions and their trace version are known together',
      { dimensionsVersion: snapshot.dimensionsVersion },
    );
    if (snapshot.dimensions) {
      correlation.dims = correlation.checkDimensions(snapshot.dimensions);
      correlation.dimsVersion = checkDimensionsVersion(snapshot.dimensionsVersion);
    }
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
   * The same (kind, targetId) again is a no-op with no event; with a different store or locator
   * it conflicts.
   * @returns whether the link was new.
   */
  link(input: ResolvedLinkInput, at: string): boolean {
    return this.merge({ ...NO_CHANGE, links: [input] }, parseInstant(at, 'at'));
  }

  /**
   * Sets the trace's dimensions (and with them the project), from TraceRecorded. The same or an
   * older trace version changes nothing; a newer one replaces them, because a late TraceRecorded
   * carries the authoritative set.
   * @returns whether anything changed.
   */
  describe(dimensions: TelemetryDimensionsInput, at: string, traceVersion = 1): boolean {
    return this.merge(
      { ...NO_CHANGE, dimensions, dimensionsVersion: traceVersion },
      parseInstant(at, 'at'),
    );
  }

  /**
   * Proves every part of a change first, then applies it all and records one snapshot when links,
   * dimensions or project changed. updatedAt moves to the latest event time even when nothing
   * else does, so that it, too, ends up the same whatever the arrival order.
   */
  private merge(change: Change, at: number): boolean {
    const inputProject = checkProject(change.projectId);
    const version = checkDimensionsVersion(change.dimensionsVersion);
    const offered = change.dimensions === null ? null : this.checkDimensions(change.dimensions);
    const newer = offered !== null && version > this.dimsVersion;
    const nextDims = newer ? offered : this.dims;
    const nextDimsVersion = newer ? version : this.dimsVersion;
    let nextLinks = this.linkList;
    for (const link of change.links) nextLinks = this.withLink(nextLinks, link);
    const nextProject =
      nextDims !== null ? nextDims.projectId : leastOf(this.project, inputProject);

    const dimsChanged =
      nextDims !== null && (this.dims === null || !sameDimensions(this.dims, nextDims));
    const changed = dimsChanged || nextProject !== this.project || nextLinks !== this.linkList;
    this.dimsVersion = nextDimsVersion;
    this.updatedAtMs = Math.max(this.updatedAtMs, at);
    if (!changed) return false;
    this.dims = nextDims;
    this.project = nextProject;
    this.linkList = nextLinks;
    this.recordSnapshot(at);
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
      sameLinkLocation(held, link),
      'correlation.link_conflict',
      'this record is already linked from another store or locator',
      { kind: link.kind, targetId: link.targetId, store: held.store },
    );
    return base;
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
        links: this.linkList.map((l) => ({ kind: l.kind, targetId: l.targetId, store: l.store })),
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

  get projectId(): string | null {
    return this.project;
  }

  get dimensions(): TelemetryDimensions | null {
    return this.dims;
  }

  get dimensionsVersion(): number {
    return this.dimsVersion;
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

  get costRefs(): readonly CorrelationLink[] {
    return this.refs('cost');
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
      dimensionsVersion: this.dimsVersion,
      links: this.linkList.map(copyLink),
      updatedAt: toIso(this.updatedAtMs),
    };
  }
}

function changeOf(input: StartCorrelationInput): Change {
  return {
    projectId: input.projectId,
    dimensions: input.dimensions ?? null,
    dimensionsVersion: input.dimensionsVersion ?? 1,
    links: input.links ?? [],
  };
}

function checkProject(value: string | null): string | null {
  return value === null ? null : requiredText(value, 'projectId', 'correlation.invalid_project_id');
}

function checkDimensionsVersion(value: number): number {
  ensure(
    Number.isSafeInteger(value) && value >= 1,
    'correlation.invalid_dimensions_version',
    'the trace version of dimensions is a positive integer',
    { value },
  );
  return value;
}

function leastOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

function copyLink(link: CorrelationLink): CorrelationLink {
  return link.locator === undefined ? { ...link } : { ...link, locator: { ...link.locator } };
}

function sameDimensions(a: TelemetryDimensions, b: TelemetryDimensions): boolean {
  return (Object.keys(a) as (keyof TelemetryDimensions)[]).every((k) => a[k] === b[k]);
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { correlationKind } from './correlation-kind.js';
import { correlationLink } from './correlation-link.entity.js';
import {
  TelemetryCorrelation,
  type ResolvedLinkInput,
  type StartCorrelationInput,
} from './telemetry-correlation.aggregate.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

const dimensions = {
  tenantId: 'acme',
  projectId: 'shop',
  moduleId: 'checkout',
  artifactId: 'checkout-api',
  executionId: 'exec-1',
  agentId: 'none',
  service: 'checkout-api',
  serviceVersion: '1.4.0',
  environment: 'prod',
  region: 'westeurope',
  origin: 'agent',
};

const start: StartCorrelationInput = {
  tenantId: 'acme',
  traceId: TRACE,
  projectId: 'shop',
  at: iso(0),
};

const resolved = (kind: string, targetId: string, store = 'postgres'): ResolvedLinkInput => ({
  kind,
  targetId,
  store,
  tenantId: 'acme',
  resolvable: true,
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('TelemetryCorrelation.start', () => {
  it('records CorrelationSnapshotted with the contract payload', () => {
    const c = TelemetryCorrelation.start({
      ...start,
      links: [resolved('incident', 'inc-1'), resolved('trace', TRACE, 'app-insights')],
    });
    expect(c.pullEvents()).toEqual([
      {
        eventType: 'CorrelationSnapshotted',
        aggregateType: 'TelemetryCorrelation',
        aggregateId: TRACE,
        tenantId: 'acme',
        traceId: TRACE,
        occurredAt: iso(0),
        payload: {
          traceId: TRACE,
          projectId: 'shop',
          links: [
            { kind: 'trace', targetId: TRACE, store: 'app-insights' },
            { kind: 'incident', targetId: 'inc-1', store: 'postgres' },
          ],
          updatedAt: iso(0),
        },
      },
    ]);
  });

  it('snapshots a correlation that has no links yet', () => {
    const c = TelemetryCorrelation.start(start);
    expect(c.pullEvents()).toHaveLength(1);
    expect(c.links).toEqual([]);
    expect(c.traceRef).toBeNull();
    expect(c.dimensions).toBeNull();
    expect([c.traceId, c.tenantId, c.projectId, c.updatedAt]).toEqual([
      TRACE,
      'acme',
      'shop',
      iso(0),
    ]);
  });

  it('refuses invalid identity with codes', () => {
    expect(codeOf(() => TelemetryCorrelation.start({ ...start, traceId: 'x' }))).toBe(
      'trace.invalid_trace_id',
    );
    expect(codeOf(() => TelemetryCorrelation.start({ ...start, projectId: '' }))).toBe(
      'correlation.invalid_project_id',
    );
  });
});

describe('TelemetryCorrelation.link', () => {
  it('files links by kind and reports that they were new', () => {
    const c = TelemetryCorrelation.start(start);
    expect(c.link(resolved('trace', TRACE, 'app-insights'), iso(1))).toBe(true);
    c.link(resolved('log', 'log-2', 'log-analytics'), iso(2));
    c.link(resolved('log', 'log-1', 'log-analytics'), iso(3));
    c.link(resolved('metric', 'ms-1'), iso(4));
    c.link(resolved('incident', 'inc-1'), iso(5));
    c.link(resolved('feedback', 'fb-1'), iso(6));
    expect(c.traceRef).toEqual({ kind: 'trace', targetId: TRACE, store: 'app-insights' });
    expect(c.logRefs.map((l) => l.targetId)).toEqual(['log-1', 'log-2']);
    expect(c.metricRefs.map((l) => l.targetId)).toEqual(['ms-1']);
    expect(c.incidentRefs.map((l) => l.targetId)).toEqual(['inc-1']);
    expect(c.feedbackRefs.map((l) => l.targetId)).toEqual(['fb-1']);
    expect(c.updatedAt).toBe(iso(6));
    expect(c.pullEvents()).toHaveLength(7);
  });

  it('is idempotent for a duplicate link: no change, no event', () => {
    const c = TelemetryCorrelation.start({ ...start, links: [resolved('incident', 'inc-1')] });
    c.pullEvents();
    const before = c.toSnapshot();
    expect(c.link(resolved('incident', 'inc-1'), iso(0))).toBe(false);
    expect(c.pullEvents()).toEqual([]);
    expect(c.toSnapshot()).toEqual(before);
  });

  it('moves updatedAt to a later duplicate without a snapshot, so arrival order does not matter', () => {
    const c = TelemetryCorrelation.start({ ...start, links: [resolved('incident', 'inc-1')] });
    c.pullEvents();
    expect(c.link(resolved('incident', 'inc-1'), iso(10))).toBe(false);
    expect(c.pullEvents()).toEqual([]);
    expect(c.updatedAt).toBe(iso(10));
    const reversed = TelemetryCorrelation.start({
      ...start,
      at: iso(10),
      links: [resolved('incident', 'inc-1')],
    });
    reversed.link(resolved('incident', 'inc-1'), iso(0));
    expect(reversed.toSnapshot()).toEqual(c.toSnapshot());
  });

  it('keeps a locator, sorted, and refuses the same target with another one', () => {
    const c = TelemetryCorrelation.start(start);
    const metric = { ...resolved('metric', 'm@1'), locator: { window: '5m', metricName: 'lat' } };
    expect(c.link(metric, iso(1))).toBe(true);
    expect(Object.keys(c.metricRefs[0]!.locator!)).toEqual(['metricName', 'window']);
    expect(c.link({ ...metric, locator: { metricName: 'lat', window: '5m' } }, iso(2))).toBe(false);
    expect(
      codeOf(() => c.link({ ...metric, locator: { metricName: 'x', window: '5m' } }, iso(3))),
    ).toBe('correlation.link_conflict');
    expect(codeOf(() => c.link({ ...metric, locator: { metricName: 'lat' } }, iso(3)))).toBe(
      'correlation.link_conflict',
    );
    expect(codeOf(() => c.link(resolved('metric', 'm@1'), iso(3)))).toBe(
      'correlation.link_conflict',
    );
    const restored = TelemetryCorrelation.rehydrate(c.toSnapshot());
    expect(restored.metricRefs[0]?.locator).toEqual({ metricName: 'lat', window: '5m' });
  });

  it('refuses malformed locators: correlation.invalid_locator', () => {
    const c = TelemetryCorrelation.start(start);
    const metric = resolved('metric', 'm');
    expect(codeOf(() => c.link({ ...metric, locator: {} }, iso(1)))).toBe(
      'correlation.invalid_locator',
    );
    expect(codeOf(() => c.link({ ...metric, locator: { '': 'x' } }, iso(1)))).toBe(
      'correlation.invalid_locator',
    );
    expect(codeOf(() => c.link({ ...metric, locator: { k: 'x'.repeat(1025) } }, iso(1)))).toBe(
      'correlation.invalid_locator',
    );
  });

  it('files cost signals as their own kind, after feedback', () => {
    const c = TelemetryCorrelation.start({
      ...start,
      links: [resolved('cost', 'cs-1'), resolved('feedback', 'fb-1')],
    });
    expect(c.costRefs.map((l) => l.targetId)).toEqual(['cs-1']);
    expect(c.links.map((l) => l.kind)).toEqual(['feedback', 'cost']);
  });

  it('refuses a target of another tenant: correlation.tenant_mismatch', () => {
    const c = TelemetryCorrelation.start(start);
    expect(codeOf(() => c.link({ ...resolved('log', 'l'), tenantId: 'globex' }, iso(1)))).toBe(
      'correlation.tenant_mismatch',
    );
    expect(c.links).toEqual([]);
  });

  it('refuses a target the application could not resolve: correlation.unresolvable_link', () => {
    const c = TelemetryCorrelation.start(start);
    c.pullEvents();
    expect(codeOf(() => c.link({ ...resolved('log', 'l'), resolvable: false }, iso(1)))).toBe(
      'correlation.unresolvable_link',
    );
    expect(c.pullEvents()).toEqual([]);
  });

  it('refuses a trace link to another trace: correlation.trace_ref_mismatch', () => {
    const c = TelemetryCorrelation.start(start);
    expect(
      codeOf(() => c.link(resolved('trace', '0af7651916cd43dd8448eb211c80319c'), iso(1))),
    ).toBe('correlation.trace_ref_mismatch');
  });

  it('refuses the same target from another store: correlation.link_conflict', () => {
    const c = TelemetryCorrelation.start({ ...start, links: [resolved('log', 'l', 'postgres')] });
    expect(codeOf(() => c.link(resolved('log', 'l', 'log-analytics'), iso(1)))).toBe(
      'correlation.link_conflict',
    );
  });

  it('refuses malformed links with codes', () => {
    const c = TelemetryCorrelation.start(start);
    expect(codeOf(() => c.link(resolved('span', 'x'), iso(1)))).toBe('correlation.invalid_kind');
    expect(codeOf(() => c.link(resolved('log', ''), iso(1)))).toBe('correlation.invalid_target_id');
    expect(codeOf(() => c.link(resolved('log', 'x', 'bad store'), iso(1)))).toBe(
      'correlation.invalid_store',
    );
  });

  it('keeps updatedAt at the latest event time seen', () => {
    const c = TelemetryCorrelation.start({ ...start, at: iso(100) });
    c.link(resolved('log', 'l'), iso(50));
    expect(c.updatedAt).toBe(iso(100));
  });

  it('yields the same snapshot whatever order links (and redeliveries) arrive in (property)', () => {
    const links = [
      resolved('trace', TRACE, 'app-insights'),
      resolved('log', 'a'),
      resolved('log', 'b'),
      resolved('metric', 'm'),
      resolved('incident', 'i'),
      resolved('feedback', 'f'),
    ];
    const withRedeliveries = fc
      .array(fc.constantFrom(...links), { maxLength: 6 })
      .map((extra) => [...links, ...extra]);
    fc.assert(
      fc.property(
        withRedeliveries.chain((all) => fc.shuffledSubarray(all, { minLength: all.length })),
        (arrivals) => {
          const c = TelemetryCorrelation.start(start);
          for (const l of arrivals) c.link(l, iso(1));
          const reference = TelemetryCorrelation.start({ ...start, links });
          expect(c.toSnapshot()).toEqual({ ...reference.toSnapshot(), updatedAt: iso(1) });
        },
      ),
    );
  });
});

describe('TelemetryCorrelation.describe', () => {
  it('sets dimensions once and ignores the same values again', () => {
    const c = TelemetryCorrelation.start(start);
    c.pullEvents();
    expect(c.describe(dimensions, iso(1))).toBe(true);
    expect(c.dimensions?.service).toBe('checkout-api');
    expect(c.describe({ ...dimensions }, iso(2))).toBe(false);
    expect(c.describe({ ...dimensions, serviceVersion: '1.5.0' }, iso(3), 2)).toBe(true);
    expect(c.dimensions?.serviceVersion).toBe('1.5.0');
    expect(c.dimensionsVersion).toBe(2);
    expect(c.pullEvents()).toHaveLength(2);
  });

  it('keeps the dimensions of the highest trace version whatever the order', () => {
    const v1 = { ...dimensions };
    const v2 = { ...dimensions, serviceVersion: '1.5.0', projectId: 'shop-2' };
    const forward = TelemetryCorrelation.start(start);
    forward.describe(v1, iso(1), 1);
    forward.describe(v2, iso(2), 2);
    const backward = TelemetryCorrelation.start(start);
    expect(backward.describe(v2, iso(2), 2)).toBe(true);
    expect(backward.describe(v1, iso(1), 1)).toBe(false);
    expect(backward.toSnapshot()).toEqual(forward.toSnapshot());
    expect(forward.projectId).toBe('shop-2');
    expect(codeOf(() => forward.describe(v1, iso(3), 0))).toBe(
      'correlation.invalid_dimensions_version',
    );
  });

  it('refuses dimensions of another tenant: correlation.tenant_mismatch', () => {
    const c = TelemetryCorrelation.start(start);
    expect(codeOf(() => c.describe({ ...dimensions, tenantId: 'globex' }, iso(1)))).toBe(
      'correlation.tenant_mismatch',
    );
    expect(c.dimensions).toBeNull();
  });
});

describe('TelemetryCorrelation.upsert', () => {
  it('starts when nothing exists and reuses the same (tenant, traceId) otherwise', () => {
    const first = TelemetryCorrelation.upsert(null, { ...start, links: [resolved('log', 'a')] });
    first.pullEvents();
    const again = TelemetryCorrelation.upsert(first, {
      ...start,
      at: iso(5),
      dimensions,
      links: [resolved('log', 'a'), resolved('incident', 'i')],
    });
    expect(again).toBe(first);
    expect(again.links.map((l) => l.targetId)).toEqual(['a', 'i']);
    expect(again.pullEvents()).toHaveLength(1);
    TelemetryCorrelation.upsert(first, { ...start, links: [resolved('log', 'a')] });
    expect(first.pullEvents()).toEqual([]);
  });

  it('refuses another tenant’s correlation: correlation.tenant_mismatch', () => {
    const existing = TelemetryCorrelation.start(start);
    expect(
      codeOf(() => TelemetryCorrelation.upsert(existing, { ...start, tenantId: 'globex' })),
    ).toBe('correlation.tenant_mismatch');
  });

  it('refuses another trace’s correlation: correlation.trace_id_mismatch', () => {
    const existing = TelemetryCorrelation.start(start);
    expect(
      codeOf(() =>
        TelemetryCorrelation.upsert(existing, {
          ...start,
          traceId: '0af7651916cd43dd8448eb211c80319c',
        }),
      ),
    ).toBe('correlation.trace_id_mismatch');
  });

  it('checks every link before changing anything', () => {
    const existing = TelemetryCorrelation.start(start);
    existing.pullEvents();
    const bad = { ...resolved('log', 'b'), resolvable: false };
    expect(
      codeOf(() =>
        TelemetryCorrelation.upsert(existing, { ...start, links: [resolved('log', 'a'), bad] }),
      ),
    ).toBe('correlation.unresolvable_link');
    expect(existing.links).toEqual([]);
    expect(existing.pullEvents()).toEqual([]);
  });
});

describe('TelemetryCorrelation.rehydrate', () => {
  it('round-trips the snapshot without events', () => {
    const c = TelemetryCorrelation.start({
      ...start,
      dimensions,
      links: [resolved('log', 'a'), resolved('trace', TRACE, 'app-insights')],
    });
    const snapshot = c.toSnapshot();
    const restored = TelemetryCorrelation.rehydrate(snapshot);
    expect(restored.toSnapshot()).toEqual(snapshot);
    expect(restored.pullEvents()).toEqual([]);
    const bare = TelemetryCorrelation.start(start).toSnapshot();
    expect(TelemetryCorrelation.rehydrate(bare).toSnapshot()).toEqual(bare);
  });

  it('refuses a snapshot whose dimensions and trace version disagree', () => {
    const snapshot = TelemetryCorrelation.start({ ...start, dimensions }).toSnapshot();
    expect(
      codeOf(() => TelemetryCorrelation.rehydrate({ ...snapshot, dimensionsVersion: 0 })),
    ).toBe('correlation.invalid_dimensions_version');
    expect(
      codeOf(() =>
        TelemetryCorrelation.rehydrate({ ...snapshot, dimensions: null, dimensionsVersion: 2 }),
      ),
    ).toBe('correlation.invalid_dimensions_version');
  });

  it('refuses stored dimensions of another tenant: correlation.tenant_mismatch', () => {
    const snapshot = TelemetryCorrelation.start({ ...start, dimensions }).toSnapshot();
    expect(
      codeOf(() =>
        TelemetryCorrelation.rehydrate({
          ...snapshot,
          tenantId: 'globex',
        }),
      ),
    ).toBe('correlation.tenant_mismatch');
  });
});

describe('TelemetryCorrelation order independence (property)', () => {
  it('ends in the same snapshot for any order of upserts, redeliveries included', () => {
    const v2 = { ...dimensions, serviceVersion: '1.5.0' };
    const inputs: StartCorrelationInput[] = [
      { ...start, projectId: 'zeta', links: [resolved('incident', 'i')], at: iso(5) },
      { ...start, projectId: null, links: [resolved('feedback', 'f')], at: iso(9) },
      { ...start, projectId: 'alpha', links: [resolved('cost', 'c')], at: iso(2) },
      {
        ...start,
        projectId: 'shop',
        dimensions,
        dimensionsVersion: 1,
        links: [resolved('trace', TRACE, 'trace-service')],
        at: iso(1),
      },
      {
        ...start,
        projectId: 'shop',
        dimensions: v2,
        dimensionsVersion: 2,
        links: [resolved('trace', TRACE, 'trace-service')],
        at: iso(3),
      },
      {
        ...start,
        projectId: 'shop',
        links: [{ ...resolved('metric', 'm@1'), locator: { window: '5m', metricName: 'lat' } }],
        at: iso(4),
      },
    ];
    const arrivals = fc
      .array(fc.constantFrom(...inputs), { maxLength: 6 })
      .chain((extra) =>
        fc.shuffledSubarray([...inputs, ...extra], { minLength: inputs.length + extra.length }),
      );
    const run = (order: readonly StartCorrelationInput[]) =>
      order
        .reduce<TelemetryCorrelation | null>(
          (c, input) => TelemetryCorrelation.upsert(c, input),
          null,
        )!
        .toSnapshot();
    const reference = run(inputs);
    expect(reference).toMatchObject({ projectId: 'shop', dimensionsVersion: 2, updatedAt: iso(9) });
    expect(reference.dimensions?.serviceVersion).toBe('1.5.0');
    fc.assert(
      fc.property(arrivals, (order) => {
        expect(run(order)).toEqual(reference);
      }),
    );
    // Without the trace the project is the least one named, whatever came first.
    const untraced = inputs.filter((i) => i.dimensions === undefined);
    fc.assert(
      fc.property(fc.shuffledSubarray(untraced, { minLength: untraced.length }), (order) => {
        expect(run(order).projectId).toBe('alpha');
      }),
    );
  });
});

describe('TelemetryCorrelation project', () => {
  it('is unknown for a record naming none, then the least project seen, then the trace’s', () => {
    const c = TelemetryCorrelation.start({ ...start, projectId: null });
    expect(c.projectId).toBeNull();
    TelemetryCorrelation.upsert(c, { ...start, projectId: 'zeta', at: iso(1) });
    expect(c.projectId).toBe('zeta');
    TelemetryCorrelation.upsert(c, { ...start, projectId: 'alpha', at: iso(2) });
    TelemetryCorrelation.upsert(c, { ...start, projectId: 'omega', at: iso(3) });
    expect(c.projectId).toBe('alpha');
    c.describe({ ...dimensions, projectId: 'zeta' }, iso(4));
    TelemetryCorrelation.upsert(c, { ...start, projectId: 'aaa', at: iso(5) });
    expect(c.projectId).toBe('zeta');
  });

  it('refuses an empty project: correlation.invalid_project_id', () => {
    const c = TelemetryCorrelation.start(start);
    expect(codeOf(() => TelemetryCorrelation.upsert(c, { ...start, projectId: ' ' }))).toBe(
      'correlation.invalid_project_id',
    );
  });
});

describe('CorrelationKind and CorrelationLink', () => {
  it('parses kinds and freezes links', () => {
    expect(correlationKind('metric')).toBe('metric');
    const link = correlationLink({ kind: 'log', targetId: 'x', store: 'log-analytics' });
    expect(Object.isFrozen(link)).toBe(true);
  });
});

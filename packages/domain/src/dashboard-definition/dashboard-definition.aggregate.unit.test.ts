import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  DashboardDefinition,
  type DashboardContext,
  type DefineDashboardInput,
} from './dashboard-definition.aggregate.js';
import type { PanelInput } from './panel.entity.js';

function errorOf(fn: () => unknown): DomainError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  return undefined;
}

function codeOf(fn: () => unknown): string | undefined {
  return errorOf(fn)?.code;
}

const latency: PanelInput = {
  type: 'timeseries',
  title: 'p95 latency',
  metric: 'http.server.duration',
  groupBy: ['service'],
  layout: { x: 0, y: 0, w: 12, h: 8 },
};
const budget: PanelInput = { type: 'stat', sloId: 'slo-1', layout: { x: 12, y: 0, w: 12, h: 8 } };
const traces: PanelInput = { type: 'trace', layout: { x: 0, y: 8, w: 24, h: 10 } };

const input: DefineDashboardInput = {
  dashboardId: 'dash-1',
  tenantId: 'acme',
  name: 'Payments latency',
  scope: { projectId: 'checkout', moduleId: 'payments' },
  panels: [latency, budget, traces],
  createdAt: '2024-05-01T09:00:00Z',
};

const context: DashboardContext = {
  nameTaken: false,
  knownMetrics: new Set(['http.server.duration', 'http.server.requests']),
  knownSloIds: new Set(['slo-1']),
};

describe('DashboardDefinition.create', () => {
  it('defines a dashboard at version 1 and records DashboardDefined', () => {
    const dashboard = DashboardDefinition.create(input, context);
    expect(dashboard.id).toBe('dash-1');
    expect(dashboard.tenantId).toBe('acme');
    expect(dashboard.toSnapshot()).toEqual({
      dashboardId: 'dash-1',
      tenantId: 'acme',
      name: 'Payments latency',
      scope: { projectId: 'checkout', moduleId: 'payments' },
      panels: [
        { ...latency, sloId: null },
        {
          type: 'stat',
          title: null,
          metric: null,
          sloId: 'slo-1',
          groupBy: [],
          layout: budget.layout,
        },
        {
          type: 'trace',
          title: null,
          metric: null,
          sloId: null,
          groupBy: [],
          layout: traces.layout,
        },
      ],
      version: 1,
      createdAt: '2024-05-01T09:00:00.000Z',
      updatedAt: '2024-05-01T09:00:00.000Z',
    });
    expect(dashboard.pullEvents()).toEqual([
      {
        eventType: 'DashboardDefined',
        aggregateType: 'DashboardDefinition',
        aggregateId: 'dash-1',
        tenantId: 'acme',
        traceId: null,
        occurredAt: '2024-05-01T09:00:00.000Z',
        payload: {
          dashboardId: 'dash-1',
          name: 'Payments latency',
          scope: { projectId: 'checkout', moduleId: 'payments' },
          panelCount: 3,
          version: 1,
        },
      },
    ]);
  });

  it('refuses a dashboard without panels and accepts one with a single panel', () => {
    expect(codeOf(() => DashboardDefinition.create({ ...input, panels: [] }, context))).toBe(
      'dashboard.no_panels',
    );
    const single = DashboardDefinition.create({ ...input, panels: [traces] }, context);
    expect(single.toSnapshot().panels).toHaveLength(1);
  });

  it('refuses a name already used in the tenant and scope', () => {
    expect(codeOf(() => DashboardDefinition.create(input, { ...context, nameTaken: true }))).toBe(
      'dashboard.name_not_unique',
    );
  });

  it('refuses an unknown metric, naming the panel index', () => {
    const error = errorOf(() =>
      DashboardDefinition.create(
        {
          ...input,
          panels: [
            traces,
            { ...latency, metric: 'queue.depth', layout: { x: 0, y: 20, w: 6, h: 4 } },
          ],
        },
        context,
      ),
    );
    expect(error?.code).toBe('dashboard.unresolvable_reference');
    expect(error?.message).toContain('panels[1]');
    expect(error?.details).toEqual({ panelIndex: 1, kind: 'metric', reference: 'queue.depth' });
  });

  it('refuses an SLO of another tenant (unknown to this one), naming the panel index', () => {
    const error = errorOf(() =>
      DashboardDefinition.create({ ...input, panels: [{ ...budget, sloId: 'slo-9' }] }, context),
    );
    expect(error?.code).toBe('dashboard.unresolvable_reference');
    expect(error?.details).toEqual({ panelIndex: 0, kind: 'slo', reference: 'slo-9' });
  });

  it.each([
    [{ dashboardId: '' }, 'dashboard.invalid_id'],
    [{ tenantId: '' }, 'tenant.invalid_id'],
    [{ name: ' ' }, 'dashboard.name_required'],
    [{ scope: { projectId: '' } }, 'dashboard.project_required'],
    [{ scope: { projectId: 'p', moduleId: ' ' } }, 'dashboard.invalid_module'],
    [{ createdAt: 'today' }, 'time.invalid_instant'],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => DashboardDefinition.create({ ...input, ...overrides }, context))).toBe(
      code,
    );
  });
});

describe('DashboardDefinition.update', () => {
  it('records DashboardUpdated with the new version and panel count', () => {
    const dashboard = DashboardDefinition.create(input, context);
    dashboard.pullEvents();
    dashboard.update(
      { name: 'Payments', scope: { projectId: 'checkout' }, panels: [latency] },
      context,
      '2024-05-01T09:30:00Z',
    );
    expect(dashboard.version).toBe(2);
    expect(dashboard.pullEvents()).toEqual([
      {
        eventType: 'DashboardUpdated',
        aggregateType: 'DashboardDefinition',
        aggregateId: 'dash-1',
        tenantId: 'acme',
        traceId: null,
        occurredAt: '2024-05-01T09:30:00.000Z',
        payload: {
          dashboardId: 'dash-1',
          name: 'Payments',
          scope: { projectId: 'checkout', moduleId: null },
          panelCount: 1,
          version: 2,
        },
      },
    ]);
    expect(dashboard.toSnapshot().updatedAt).toBe('2024-05-01T09:30:00.000Z');
  });

  it('an update that changes nothing records nothing and keeps the version', () => {
    const dashboard = DashboardDefinition.create(input, context);
    dashboard.pullEvents();
    dashboard.update(
      { name: 'Payments latency', panels: input.panels },
      context,
      '2024-05-01T10:00:00Z',
    );
    expect(dashboard.version).toBe(1);
    expect(dashboard.pullEvents()).toEqual([]);
    expect(dashboard.toSnapshot().updatedAt).toBe('2024-05-01T09:00:00.000Z');
  });

  it('refuses removing every panel and leaves the dashboard unchanged', () => {
    const dashboard = DashboardDefinition.create(input, context);
    const before = dashboard.toSnapshot();
    expect(codeOf(() => dashboard.update({ panels: [] }, context, '2024-05-01T10:00:00Z'))).toBe(
      'dashboard.no_panels',
    );
    expect(dashboard.toSnapshot()).toEqual(before);
  });

  it('checks uniqueness only when name or scope change', () => {
    const dashboard = DashboardDefinition.create(input, context);
    const taken = { ...context, nameTaken: true };
    dashboard.update({ panels: [traces] }, taken, '2024-05-01T10:00:00Z');
    expect(dashboard.version).toBe(2);
    expect(codeOf(() => dashboard.update({ name: 'Other' }, taken, '2024-05-01T10:00:00Z'))).toBe(
      'dashboard.name_not_unique',
    );
    expect(
      codeOf(() =>
        dashboard.update({ scope: { projectId: 'billing' } }, taken, '2024-05-01T10:00:00Z'),
      ),
    ).toBe('dashboard.name_not_unique');
  });

  it('checks references only when panels change', () => {
    const dashboard = DashboardDefinition.create(input, context);
    const forgotten = {
      ...context,
      knownMetrics: new Set<string>(),
      knownSloIds: new Set<string>(),
    };
    dashboard.update({ name: 'Renamed' }, forgotten, '2024-05-01T10:00:00Z');
    expect(dashboard.version).toBe(2);
    expect(
      codeOf(() => dashboard.update({ panels: [latency] }, forgotten, '2024-05-01T10:00:00Z')),
    ).toBe('dashboard.unresolvable_reference');
  });

  it('refuses an update older than the last one', () => {
    const dashboard = DashboardDefinition.create(input, context);
    expect(codeOf(() => dashboard.update({ name: 'X' }, context, '2024-05-01T08:59:59Z'))).toBe(
      'dashboard.time_out_of_order',
    );
  });
});

describe('DashboardDefinition.rehydrate', () => {
  it('round-trips a snapshot through JSON and records nothing', () => {
    const snapshot = DashboardDefinition.create(input, context).toSnapshot();
    const stored = JSON.parse(JSON.stringify(snapshot)) as typeof snapshot;
    const dashboard = DashboardDefinition.rehydrate(stored);
    expect(dashboard.toSnapshot()).toEqual(snapshot);
    expect(dashboard.pullEvents()).toEqual([]);
  });

  it.each([
    [{ version: 0 }, 'dashboard.invalid_version'],
    [{ updatedAt: '2024-05-01T08:00:00.000Z' }, 'dashboard.time_out_of_order'],
    [{ panels: [] }, 'dashboard.no_panels'],
  ])('refuses a stored %j', (overrides, code) => {
    const snapshot = DashboardDefinition.create(input, context).toSnapshot();
    expect(codeOf(() => DashboardDefinition.rehydrate({ ...snapshot, ...overrides }))).toBe(code);
  });

  it('hands out copies: mutating a snapshot does not reach the dashboard', () => {
    const dashboard = DashboardDefinition.create(input, context);
    const snap = dashboard.toSnapshot() as unknown as { panels: { layout: { x: number } }[] };
    (snap.panels[0] as { layout: { x: number } }).layout.x = 5;
    expect(dashboard.toSnapshot().panels[0]?.layout.x).toBe(0);
  });
});

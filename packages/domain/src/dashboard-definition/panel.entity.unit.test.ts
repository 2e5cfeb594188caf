import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { GRID_COLUMNS, MAX_PANELS, panel, panelList, type PanelInput } from './panel.entity.js';

function errorOf(fn: () => unknown): DomainError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  return undefined;
}

const metricPanel: PanelInput = {
  type: 'heatmap',
  metric: 'http.server.duration',
  layout: { x: 0, y: 0, w: 6, h: 4 },
};

describe('Panel', () => {
  it.each(['timeseries', 'stat', 'table', 'heatmap'])(
    'a %s panel plots a metric or an SLO',
    (type) => {
      expect(panel({ ...metricPanel, type }, 0).metric).toBe('http.server.duration');
      expect(panel({ type, sloId: 'slo-1', layout: metricPanel.layout }, 0).sloId).toBe('slo-1');
    },
  );

  it.each([[{ metric: null }], [{ sloId: 'slo-1' }], [{ type: 'trace' }], [{ metric: '  ' }]])(
    'refuses %j with dashboard.invalid_panel_source',
    (overrides) => {
      expect(errorOf(() => panel({ ...metricPanel, ...overrides }, 3))?.code).toBe(
        'dashboard.invalid_panel_source',
      );
    },
  );

  it('a trace panel reads no series', () => {
    expect(panel({ type: 'trace', layout: metricPanel.layout }, 0)).toMatchObject({
      metric: null,
      sloId: null,
    });
  });

  it.each([
    [{ x: -1, y: 0, w: 6, h: 4 }],
    [{ x: 0, y: -1, w: 6, h: 4 }],
    [{ x: 0, y: 0, w: 0, h: 4 }],
    [{ x: 0, y: 0, w: 6, h: 0 }],
    [{ x: 0.5, y: 0, w: 6, h: 4 }],
    [{ x: GRID_COLUMNS - 5, y: 0, w: 6, h: 4 }],
  ])('refuses layout %j with dashboard.invalid_layout naming the panel', (layout) => {
    const error = errorOf(() => panel({ ...metricPanel, layout }, 2));
    expect(error?.code).toBe('dashboard.invalid_layout');
    expect(error?.details).toEqual({ panelIndex: 2 });
  });

  it('accepts a full-width panel', () => {
    expect(
      panel({ ...metricPanel, layout: { x: 0, y: 9, w: GRID_COLUMNS, h: 1 } }, 0).layout.w,
    ).toBe(GRID_COLUMNS);
  });

  it.each([
    [{ groupBy: ['service', 'service'] }, 'dashboard.invalid_panel'],
    [{ groupBy: [' '] }, 'dashboard.invalid_panel'],
    [{ title: 't'.repeat(257) }, 'dashboard.invalid_panel'],
    [{ type: 'pie' }, 'dashboard.invalid_panel_type'],
  ])('refuses %j with %s', (overrides, code) => {
    expect(errorOf(() => panel({ ...metricPanel, ...overrides }, 0))?.code).toBe(code);
  });
});

describe('panel list', () => {
  it('refuses overlapping panels, naming both', () => {
    const error = errorOf(() =>
      panelList([metricPanel, { ...metricPanel, layout: { x: 5, y: 3, w: 4, h: 4 } }]),
    );
    expect(error?.code).toBe('dashboard.overlapping_panels');
    expect(error?.message).toBe('panels[1]: overlaps panels[0]');
  });

  it('accepts panels that only touch', () => {
    const side = { ...metricPanel, layout: { x: 6, y: 0, w: 6, h: 4 } };
    const below = { ...metricPanel, layout: { x: 0, y: 4, w: 6, h: 4 } };
    expect(panelList([metricPanel, side, below])).toHaveLength(3);
  });

  it('caps the number of panels', () => {
    const many = Array.from({ length: MAX_PANELS + 1 }, (_, i) => ({
      ...metricPanel,
      layout: { x: 0, y: i, w: 1, h: 1 },
    }));
    expect(errorOf(() => panelList(many))?.code).toBe('dashboard.too_many_panels');
    expect(panelList(many.slice(0, MAX_PANELS))).toHaveLength(MAX_PANELS);
  });
});

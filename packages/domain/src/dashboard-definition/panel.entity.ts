import { DomainError, ensure } from '../kernel/domain-error.js';
import { panelType, type PanelType } from './dashboard-values.js';

/** Grafana's grid: 24 columns; rows are unbounded. */
export const GRID_COLUMNS = 24;
export const MAX_PANELS = 100;
const MAX_GROUP_BY = 16;
const TEXT_MAX_LENGTH = 256;

export interface PanelLayout {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Entity: one panel of a dashboard. */
export interface Panel {
  readonly type: PanelType;
  readonly title: string | null;
  readonly metric: string | null;
  readonly sloId: string | null;
  readonly groupBy: readonly string[];
  readonly layout: PanelLayout;
}

export interface PanelInput {
  readonly type: string;
  readonly title?: string | null;
  readonly metric?: string | null;
  readonly sloId?: string | null;
  readonly groupBy?: readonly string[];
  readonly layout: PanelLayout;
}

/** Which of the tenant's metrics and SLOs exist; only the application can know. */
export interface PanelReferences {
  readonly knownMetrics: ReadonlySet<string>;
  readonly knownSloIds: ReadonlySet<string>;
}

function refuse(code: string, index: number, message: string): never {
  throw new DomainError(code, `panels[${index}]: ${message}`, { panelIndex: index });
}

function optionalText(
  value: string | null | undefined,
  index: number,
  field: string,
): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  if (value.length > TEXT_MAX_LENGTH) {
    refuse(
      'dashboard.invalid_panel',
      index,
      `${field} is longer than ${TEXT_MAX_LENGTH} characters`,
    );
  }
  return value.trim();
}

function layout(input: PanelLayout, index: number): PanelLayout {
  const { x, y, w, h } = input;
  const whole = [x, y, w, h].every((n) => Number.isInteger(n));
  if (!whole || x < 0 || y < 0 || w < 1 || h < 1 || x + w > GRID_COLUMNS) {
    refuse(
      'dashboard.invalid_layout',
      index,
      `layout needs whole x,y ≥ 0, w,h ≥ 1 and x + w ≤ ${GRID_COLUMNS}`,
    );
  }
  return { x, y, w, h };
}

function groupBy(value: readonly string[] | undefined, index: number): readonly string[] {
  const dims = value ?? [];
  const valid =
    dims.length <= MAX_GROUP_BY &&
    dims.every((d) => typeof d === 'string' && d.trim() !== '' && d.length <= TEXT_MAX_LENGTH) &&
    new Set(dims).size === dims.length;
  if (!valid)
    refuse('dashboard.invalid_panel', index, 'groupBy must hold distinct dimension names');
  return [...dims];
}

/**
 * A trace panel lists the scope's traces and reads no series; every other panel plots exactly
 * one source, a metric or an SLO, so what it shows is never ambiguous.
 */
export function panel(input: PanelInput, index: number): Panel {
  const type = panelType(input.type);
  const metric = optionalText(input.metric, index, 'metric');
  const sloId = optionalText(input.sloId, index, 'sloId');
  const sources = (metric === null ? 0 : 1) + (sloId === null ? 0 : 1);
  if (type === 'trace' ? sources !== 0 : sources !== 1) {
    refuse(
      'dashboard.invalid_panel_source',
      index,
      type === 'trace'
        ? 'a trace panel takes neither metric nor sloId'
        : `a ${type} panel needs exactly one of metric or sloId`,
    );
  }
  return {
    type,
    title: optionalText(input.title, index, 'title'),
    metric,
    sloId,
    groupBy: groupBy(input.groupBy, index),
    layout: layout(input.layout, index),
  };
}

function overlaps(a: PanelLayout, b: PanelLayout): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** At least one panel, at most MAX_PANELS, none covering another on the grid. */
export function panelList(inputs: readonly PanelInput[]): readonly Panel[] {
  ensure(inputs.length >= 1, 'dashboard.no_panels', 'a dashboard needs at least one panel');
  ensure(inputs.length <= MAX_PANELS, 'dashboard.too_many_panels', `at most ${MAX_PANELS} panels`, {
    count: inputs.length,
  });
  const panels = inputs.map(panel);
  panels.forEach((p, i) => {
    const other = panels.findIndex((q, j) => j < i && overlaps(p.layout, q.layout));
    if (other >= 0) refuse('dashboard.overlapping_panels', i, `overlaps panels[${other}]`);
  });
  return panels;
}

/** Names the first panel whose metric or SLO the tenant does not have. */
export function ensureResolvableReferences(
  panels: readonly Panel[],
  references: PanelReferences,
): void {
  panels.forEach((p, index) => {
    if (p.metric !== null && !references.knownMetrics.has(p.metric)) {
      throw new DomainError(
        'dashboard.unresolvable_reference',
        `panels[${index}]: metric ${p.metric} is not known for this tenant`,
        { panelIndex: index, kind: 'metric', reference: p.metric },
      );
    }
    if (p.sloId !== null && !references.knownSloIds.has(p.sloId)) {
      throw new DomainError(
        'dashboard.unresolvable_reference',
        `panels[${index}]: SLO ${p.sloId} is not known for this tenant`,
        { panelIndex: index, kind: 'slo', reference: p.sloId },
      );
    }
  });
}

import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';
import {
  DASHBOARD_DEFINITION_AGGREGATE_TYPE,
  type DashboardDefinitionEvent,
} from './dashboard-definition.events.js';
import {
  dashboardScope,
  sameDashboardScope,
  type DashboardScope,
  type DashboardScopeInput,
} from './dashboard-values.js';
import {
  ensureResolvableReferences,
  panelList,
  type Panel,
  type PanelInput,
  type PanelReferences,
} from './panel.entity.js';

const NAME_MAX_LENGTH = 200;

export interface DashboardDefinitionSnapshot {
  readonly dashboardId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: DashboardScope;
  readonly panels: readonly Panel[];
  /** 1 at creation, +1 on every accepted change (the ETag of the HTTP API). */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DefineDashboardInput {
  /** Chosen by the service (a UUID); the domain has no randomness. */
  readonly dashboardId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: DashboardScopeInput;
  readonly panels: readonly PanelInput[];
  readonly createdAt: string;
}

export interface DashboardChanges {
  readonly name?: string;
  readonly scope?: DashboardScopeInput;
  readonly panels?: readonly PanelInput[];
}

/**
 * What only the application can know: whether another dashboard of the tenant holds the name in
 * the target scope (excluding this one), and the tenant's metric names and SLO ids.
 */
export interface DashboardContext extends PanelReferences {
  readonly nameTaken: boolean;
}

type DashboardState = Omit<DashboardDefinitionSnapshot, 'tenantId'> & {
  readonly tenantId: TenantId;
};

interface UncheckedFields {
  readonly dashboardId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: DashboardScopeInput;
  readonly panels: readonly PanelInput[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function validState(fields: UncheckedFields): DashboardState {
  ensure(
    Number.isSafeInteger(fields.version) && fields.version >= 1,
    'dashboard.invalid_version',
    'version must be a whole number ≥ 1',
    { version: fields.version },
  );
  const createdAt = parseInstant(fields.createdAt, 'createdAt');
  const updatedAt = parseInstant(fields.updatedAt, 'updatedAt');
  ensure(
    updatedAt >= createdAt,
    'dashboard.time_out_of_order',
    'updatedAt cannot be earlier than createdAt',
    { createdAt: fields.createdAt, updatedAt: fields.updatedAt },
  );
  return {
    dashboardId: requiredText(fields.dashboardId, 'dashboardId', 'dashboard.invalid_id'),
    tenantId: toTenantId(fields.tenantId),
    name: requiredText(fields.name, 'name', 'dashboard.name_required', NAME_MAX_LENGTH).trim(),
    scope: dashboardScope(fields.scope),
    panels: panelList(fields.panels),
    version: fields.version,
    createdAt: toIso(createdAt),
    updatedAt: toIso(updatedAt),
  };
}

function ensureNameFree(nameTaken: boolean, name: string): void {
  ensure(
    !nameTaken,
    'dashboard.name_not_unique',
    `a dashboard named "${name}" already exists in this scope`,
    { name },
  );
}

function contentKey(state: DashboardState): string {
  return JSON.stringify([state.name, state.scope, state.panels]);
}

/** A named set of panels over the tenant's metrics, SLOs and traces, for a project or module. */
export class DashboardDefinition extends AggregateRoot<DashboardDefinitionEvent> {
  private state: DashboardState;

  private constructor(state: DashboardState) {
    super();
    this.state = state;
  }

  static create(input: DefineDashboardInput, context: DashboardContext): DashboardDefinition {
    const state = validState({ ...input, version: 1, updatedAt: input.createdAt });
    ensureResolvableReferences(state.panels, context);
    ensureNameFree(context.nameTaken, state.name);
    const dashboard = new DashboardDefinition(state);
    dashboard.recordChange('DashboardDefined', state.createdAt);
    return dashboard;
  }

  /** Stored dashboards load even if a referenced metric or SLO has since gone (the panel is empty). */
  static rehydrate(snapshot: DashboardDefinitionSnapshot): DashboardDefinition {
    return new DashboardDefinition(validState(snapshot));
  }

  get id(): string {
    return this.state.dashboardId;
  }

  get tenantId(): TenantId {
    return this.state.tenantId;
  }

  get version(): number {
    return this.state.version;
  }

  /**
   * Replaces the given parts at command time `at`. References are checked only when panels change
   * and uniqueness only when name or scope change; an update that changes nothing is a no-op.
   */
  update(changes: DashboardChanges, context: DashboardContext, at: string): void {
    const current = this.state;
    ensure(
      parseInstant(at, 'at') >= Date.parse(current.updatedAt),
      'dashboard.time_out_of_order',
      'an update cannot be older than the last one',
      { at, updatedAt: current.updatedAt },
    );
    const next = validState({
      ...current,
      name: changes.name ?? current.name,
      scope: changes.scope ?? current.scope,
      panels: changes.panels ?? current.panels,
      updatedAt: at,
    });
    if (changes.panels !== undefined) ensureResolvableReferences(next.panels, context);
    if (next.name !== current.name || !sameDashboardScope(next.scope, current.scope)) {
      ensureNameFree(context.nameTaken, next.name);
    }
    if (contentKey(next) === contentKey(current)) return;
    this.state = { ...next, version: current.version + 1 };
    this.recordChange('DashboardUpdated', this.state.updatedAt);
  }

  toSnapshot(): DashboardDefinitionSnapshot {
    return {
      ...this.state,
      scope: { ...this.state.scope },
      panels: this.state.panels.map((p) => ({
        ...p,
        groupBy: [...p.groupBy],
        layout: { ...p.layout },
      })),
    };
  }

  private recordChange(eventType: DashboardDefinitionEvent['eventType'], occurredAt: string): void {
    const s = this.state;
    this.record({
      eventType,
      aggregateType: DASHBOARD_DEFINITION_AGGREGATE_TYPE,
      aggregateId: s.dashboardId,
      tenantId: s.tenantId,
      traceId: null,
      occurredAt,
      payload: {
        dashboardId: s.dashboardId,
        name: s.name,
        scope: { ...s.scope },
        panelCount: s.panels.length,
        version: s.version,
      },
    });
  }
}

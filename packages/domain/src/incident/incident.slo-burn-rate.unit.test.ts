import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import type {
  SloBurnRateAlertFiredPayload,
  SloBurnRateAlertResolvedPayload,
} from '../slo-definition/slo-definition.events.js';
import { Incident } from './incident.aggregate.js';
import { sloBurnRateTitle } from './incident-payloads.js';
import { TITLE_MAX_LENGTH } from './incident-state.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const fired: SloBurnRateAlertFiredPayload = {
  sloId: 'slo-1',
  projectId: 'checkout',
  name: 'Payments availability',
  severity: 'page',
  target: 99.9,
  windowMinutes: 43_200,
  errorBudget: 0.1,
  budgetRemaining: 0.09,
  rules: [
    {
      rule: 'page-1h-5m',
      longWindow: '1h',
      shortWindow: '5m',
      threshold: 14.4,
      longBurnRate: 20,
      shortBurnRate: 20,
    },
  ],
  burnRates: { '5m': 20, '30m': 20, '1h': 20, '6h': 3, '3d': 0.2 },
  dimensions: {},
  receivers: [],
  traceIds: [],
  firedAt: '2024-05-01T10:05:00.000Z',
};

const resolved: SloBurnRateAlertResolvedPayload = {
  ...fired,
  rules: [{ ...fired.rules[0]!, longBurnRate: 10, shortBurnRate: null }],
  budgetRemaining: 0.085,
  resolvedAt: '2024-05-01T10:40:00.000Z',
};

const open = () =>
  Incident.fromSloBurnRateAlert({
    incidentId: 'inc-1',
    tenantId: 'acme',
    alert: { tenantId: 'acme', traceId: null, payload: fired },
    severity: 'critical',
    escalationSteps: [{ level: 1, target: 'on-call-primary', delayMinutes: 5 }],
  });

describe('Incident from an SLO burn-rate alert', () => {
  it('opens on the SLO (source slo, sourceRef the SLO id) at firedAt and announces it', () => {
    const incident = open();
    const snapshot = incident.toSnapshot();
    expect(snapshot).toMatchObject({
      source: 'slo',
      sourceRef: 'slo-1',
      projectId: 'checkout',
      moduleId: null,
      severity: 'critical',
      status: 'open',
      title: 'SLO burning: Payments availability (page)',
      openedAt: fired.firedAt,
      escalationStartsAt: fired.firedAt,
    });
    expect(snapshot.events).toEqual([
      {
        timestamp: fired.firedAt,
        type: 'opened',
        actor: 'system',
        note: 'burn-rate alert fired: page-1h-5m 20× over 1h, 20× over 5m (≥ 14.4×)',
      },
    ]);
    expect(incident.pullEvents().map((e) => e.eventType)).toEqual(['IncidentOpened']);
    // Survives a round trip through the snapshot (the stored timeline is re-checked on load).
    expect(Incident.rehydrate(snapshot).toSnapshot()).toEqual(snapshot);
  });

  it('refuses an alert of another tenant', () => {
    expect(
      codeOf(() =>
        Incident.fromSloBurnRateAlert({
          incidentId: 'inc-1',
          tenantId: 'acme',
          alert: { tenantId: 'globex', traceId: null, payload: fired },
          severity: 'critical',
        }),
      ),
    ).toBe('incident.tenant_mismatch');
  });

  it('records a later firing as a recurrence, regressing a mitigated incident', () => {
    const incident = open();
    incident.acknowledge({ actor: 'ana', at: '2024-05-01T10:06:00.000Z' });
    incident.investigate({ actor: 'ana', at: '2024-05-01T10:07:00.000Z' });
    incident.mitigate({ actor: 'ana', at: '2024-05-01T10:08:00.000Z' });
    incident.recordSloBurnRateAlert({
      tenantId: 'acme',
      traceId: null,
      payload: { ...fired, firedAt: '2024-05-01T11:00:00.000Z' },
    });
    const events = incident.toSnapshot().events;
    expect(events.slice(-2)).toEqual([
      {
        timestamp: '2024-05-01T11:00:00.000Z',
        type: 'recurrence',
        actor: 'slo-1',
        note: 'SLO Payments availability burn-rate alert (page) fired: page-1h-5m 20× over 1h, 20× over 5m (≥ 14.4×)',
      },
      {
        timestamp: '2024-05-01T11:00:00.000Z',
        type: 'investigating',
        actor: 'system',
        note: 'regression: SLO burn-rate alert fired again',
      },
    ]);
    expect(incident.status).toBe('investigating');
  });

  it('records the clearing as an alert_resolved line and keeps the status', () => {
    const incident = open();
    incident.recordSloBurnRateAlertResolved({ tenantId: 'acme', payload: resolved });
    expect(incident.status).toBe('open');
    expect(incident.toSnapshot().events.at(-1)).toEqual({
      timestamp: resolved.resolvedAt,
      type: 'alert_resolved',
      actor: 'slo-1',
      note: 'SLO burn-rate alert (page) resolved: page-1h-5m 10× over 1h, unbounded over 5m (≥ 14.4×); 0.085% of 0.1% budget left',
    });
  });

  it('refuses a signal of another SLO, another tenant, or on a resolved incident', () => {
    const incident = open();
    const other = { ...fired, sloId: 'slo-2' };
    expect(
      codeOf(() =>
        incident.recordSloBurnRateAlert({ tenantId: 'acme', traceId: null, payload: other }),
      ),
    ).toBe('incident.slo_mismatch');
    expect(
      codeOf(() =>
        incident.recordSloBurnRateAlertResolved({
          tenantId: 'acme',
          payload: { ...resolved, sloId: 'slo-2' },
        }),
      ),
    ).toBe('incident.slo_mismatch');
    expect(
      codeOf(() =>
        incident.recordSloBurnRateAlertResolved({ tenantId: 'globex', payload: resolved }),
      ),
    ).toBe('incident.tenant_mismatch');
    incident.resolve({ actor: 'ana', at: '2024-05-01T12:00:00.000Z', rootCause: 'bad deploy' });
    expect(
      codeOf(() =>
        incident.recordSloBurnRateAlertResolved({ tenantId: 'acme', payload: resolved }),
      ),
    ).toBe('incident.resolved_immutable');
  });

  it('cuts a long title to the limit', () => {
    const title = sloBurnRateTitle({ ...fired, name: 'x'.repeat(400) });
    expect(title).toHaveLength(TITLE_MAX_LENGTH);
    expect(title.endsWith('…')).toBe(true);
  });
});

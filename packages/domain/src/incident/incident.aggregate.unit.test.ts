import { describe, expect, it } from 'vitest';
import type { AlertTriggeredPayload } from '../alert-rule/alert-rule.events.js';
import { DomainError } from '../kernel/domain-error.js';
import type { SloBreachedPayload } from '../slo-definition/slo-definition.events.js';
import { Incident } from './incident.aggregate.js';
import type { AlertSignal, OpenIncidentInput, SloSignal } from './incident-inputs.js';
import { executeIncidentCommand } from './incident-commands.js';
import type { IncidentSnapshot } from './incident-state.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const by = (minutes: number, actor = 'user-42') => ({ actor, at: iso(minutes) });

const DIMENSIONS = {
  tenantId: 'acme',
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-1',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.14.2',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
} as const;

const manual: OpenIncidentInput = {
  incidentId: 'inc-1',
  tenantId: 'acme',
  projectId: 'checkout',
  moduleId: 'payments',
  title: 'Checkout is slow',
  severity: 'high',
  source: 'manual',
  openedAt: iso(0),
  openedBy: 'user-7',
  escalationSteps: [
    { level: 1, target: 'primary', delayMinutes: 5 },
    { level: 2, target: 'secondary', delayMinutes: 15 },
  ],
};

const alertPayload: AlertTriggeredPayload = {
  alertRuleId: 'rule-1',
  ruleName: 'Payments p95 latency',
  fingerprint: 'rule-1:service=payments-api',
  groupKey: 'service=payments-api',
  group: { service: 'payments-api' },
  severity: 'critical',
  metric: 'http.server.duration',
  aggregation: 'p95',
  operator: 'gt',
  threshold: 300,
  observedValue: 310,
  forMinutes: 5,
  activeAt: iso(-5),
  firedAt: iso(0),
  projectId: 'checkout',
  moduleId: 'payments',
};

function alert(firedAtMinute = 0, overrides: Partial<AlertSignal> = {}): AlertSignal {
  return {
    tenantId: 'acme',
    traceId: null,
    payload: { ...alertPayload, firedAt: iso(firedAtMinute) },
    ...overrides,
  };
}

const breachPayload: SloBreachedPayload = {
  sloId: 'slo-1',
  projectId: 'checkout',
  name: 'Payments availability',
  target: 99.9,
  windowMinutes: 43_200,
  errorBudget: 0.1,
  budgetRemaining: 0,
  badPct: 0.12,
  breachedAt: iso(0),
};

function breach(breachedAtMinute = 0, overrides: Partial<SloSignal> = {}): SloSignal {
  return {
    tenantId: 'acme',
    traceId: TRACE,
    payload: { ...breachPayload, breachedAt: iso(breachedAtMinute) },
    ...overrides,
  };
}

function fromSlo(): Incident {
  return Incident.fromSloBreach({
    incidentId: 'inc-3',
    tenantId: 'acme',
    breach: breach(),
    severity: 'critical',
  });
}

function fromAlert(): Incident {
  return Incident.fromAlert({
    incidentId: 'inc-2',
    tenantId: 'acme',
    alert: alert(),
    openedAt: iso(0),
  });
}

describe('opening an incident', () => {
  it('opens a manual incident, records IncidentOpened and the first timeline line', () => {
    const incident = Incident.create({ ...manual, dimensions: DIMENSIONS, traceId: TRACE });
    expect(incident.status).toBe('open');
    expect(incident.source).toBe('manual');
    expect(incident.severity).toBe('high');
    expect(incident.tenantId).toBe('acme');
    expect(incident.pullEvents()).toEqual([
      {
        eventType: 'IncidentOpened',
        aggregateType: 'Incident',
        aggregateId: 'inc-1',
        tenantId: 'acme',
        traceId: TRACE,
        occurredAt: iso(0),
        payload: {
          incidentId: 'inc-1',
          title: 'Checkout is slow',
          severity: 'high',
          source: 'manual',
          sourceRef: null,
          projectId: 'checkout',
          moduleId: 'payments',
          openedAt: iso(0),
          dimensions: DIMENSIONS,
        },
      },
    ]);
    expect(incident.toSnapshot().events).toEqual([
      { timestamp: iso(0), type: 'opened', actor: 'user-7', note: null },
    ]);
  });

  it('opens from an alert with the fingerprint as sourceRef', () => {
    const incident = fromAlert();
    expect(incident.toSnapshot()).toMatchObject({
      title: 'Payments p95 latency [service=payments-api]',
      severity: 'critical',
      source: 'alert',
      sourceRef: 'rule-1:service=payments-api',
      dimensions: null,
      escalationSteps: [],
    });
    expect(incident.pullEvents()[0]?.payload).toMatchObject({
      sourceRef: alertPayload.fingerprint,
    });
  });

  it("opens at the alert's firedAt unless told otherwise, with the dimensions and steps given", () => {
    const incident = Incident.fromAlert({
      incidentId: 'inc-2',
      tenantId: 'acme',
      alert: alert(3),
      dimensions: DIMENSIONS,
      escalationSteps: manual.escalationSteps,
    });
    expect(incident.toSnapshot()).toMatchObject({
      openedAt: iso(3),
      statusChangedAt: iso(3),
      dimensions: DIMENSIONS,
      escalationSteps: [
        { level: 1, target: 'primary', delayMinutes: 5, at: null },
        { level: 2, target: 'secondary', delayMinutes: 15, at: null },
      ],
    });
    expect(incident.pullEvents()[0]?.payload).toMatchObject({ dimensions: DIMENSIONS });
    expect(
      codeOf(() =>
        Incident.fromAlert({
          incidentId: 'inc-2',
          tenantId: 'acme',
          alert: alert(),
          dimensions: { ...DIMENSIONS, tenantId: 'globex' },
        }),
      ),
    ).toBe('incident.tenant_mismatch');
  });

  it('opens from an SLO breach with the sloId as sourceRef, at breachedAt', () => {
    const incident = fromSlo();
    expect(incident.toSnapshot()).toMatchObject({
      title: 'SLO breached: Payments availability',
      severity: 'critical',
      source: 'slo',
      sourceRef: 'slo-1',
      projectId: 'checkout',
      moduleId: null,
      traceId: TRACE,
      openedAt: iso(0),
      dimensions: null,
      escalationSteps: [],
    });
    expect(incident.pullEvents().map((e) => [e.eventType, e.payload])).toEqual([
      [
        'IncidentOpened',
        {
          incidentId: 'inc-3',
          title: 'SLO breached: Payments availability',
          severity: 'critical',
          source: 'slo',
          sourceRef: 'slo-1',
          projectId: 'checkout',
          moduleId: null,
          openedAt: iso(0),
          dimensions: null,
        },
      ],
    ]);
  });

  it('caps a long SLO title, and refuses a breach of another tenant or a bad severity', () => {
    const long = breach(0, { payload: { ...breachPayload, name: 'x'.repeat(1000) } });
    const title = Incident.fromSloBreach({
      incidentId: 'i',
      tenantId: 'acme',
      breach: long,
      severity: 'high',
    }).toSnapshot().title;
    expect(title).toHaveLength(300);
    expect(title.startsWith('SLO breached: xxx')).toBe(true);
    expect(title.endsWith('…')).toBe(true);
    expect(
      codeOf(() =>
        Incident.fromSloBreach({
          incidentId: 'i',
          tenantId: 'acme',
          breach: breach(0, { tenantId: 'globex' }),
          severity: 'high',
        }),
      ),
    ).toBe('incident.tenant_mismatch');
    expect(
      codeOf(() =>
        Incident.fromSloBreach({
          incidentId: 'i',
          tenantId: 'acme',
          breach: breach(),
          severity: 'sev1',
        }),
      ),
    ).toBe('severity.invalid');
  });

  it('titles an ungrouped alert by its rule and caps long titles', () => {
    const ungrouped = alert(0, { payload: { ...alertPayload, groupKey: '' } });
    expect(
      Incident.fromAlert({
        incidentId: 'i',
        tenantId: 'acme',
        alert: ungrouped,
        openedAt: iso(0),
      }).toSnapshot().title,
    ).toBe('Payments p95 latency');
    const long = alert(0, { payload: { ...alertPayload, groupKey: 'k'.repeat(400) } });
    const title = Incident.fromAlert({
      incidentId: 'i',
      tenantId: 'acme',
      alert: long,
      openedAt: iso(0),
    }).toSnapshot().title;
    expect(title).toHaveLength(300);
    expect(title.endsWith('…')).toBe(true);
  });

  it('refuses to open from an alert of another tenant', () => {
    expect(
      codeOf(() =>
        Incident.fromAlert({
          incidentId: 'i',
          tenantId: 'acme',
          alert: alert(0, { tenantId: 'globex' }),
          openedAt: iso(0),
        }),
      ),
    ).toBe('incident.tenant_mismatch');
  });

  it('refuses a source event or dimensions of another tenant, accepts the same tenant', () => {
    const slo = { ...manual, source: 'slo', sourceRef: 'slo-1', openedBy: undefined };
    expect(codeOf(() => Incident.create({ ...slo, sourceTenantId: 'globex' }))).toBe(
      'incident.tenant_mismatch',
    );
    expect(
      codeOf(() =>
        Incident.create({ ...manual, dimensions: { ...DIMENSIONS, tenantId: 'globex' } }),
      ),
    ).toBe('incident.tenant_mismatch');
    const ok = Incident.create({ ...slo, sourceTenantId: 'acme' });
    expect(ok.toSnapshot()).toMatchObject({ source: 'slo', sourceRef: 'slo-1' });
    expect(ok.toSnapshot().events[0]?.actor).toBe('system');
  });

  it('takes the trace id of a trace-sourced incident from its sourceRef', () => {
    const incident = Incident.create({ ...manual, source: 'trace', sourceRef: TRACE });
    expect(incident.toSnapshot().traceId).toBe(TRACE);
    expect(codeOf(() => Incident.create({ ...manual, source: 'trace', sourceRef: 'xyz' }))).toBe(
      'trace.invalid_trace_id',
    );
  });

  it.each([
    [{ source: 'alert' }, 'incident.source_ref_required'],
    [{ source: 'slo', sourceRef: ' ' }, 'incident.source_ref_required'],
    [{ sourceRef: 'something' }, 'incident.invalid_source_ref'],
    [{ source: 'pager' }, 'incident.invalid_source'],
    [{ title: '' }, 'incident.title_required'],
    [{ projectId: '' }, 'incident.project_required'],
    [{ incidentId: '' }, 'incident.invalid_id'],
    [{ severity: 'sev1' }, 'severity.invalid'],
    [{ openedAt: 'now' }, 'time.invalid_instant'],
    [{ openedBy: ' ' }, 'incident.actor_required'],
    [
      { escalationSteps: [{ level: 3, target: 'x', delayMinutes: 1 }] },
      'incident.invalid_escalation',
    ],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => Incident.create({ ...manual, ...overrides }))).toBe(code);
  });

  it('treats a blank moduleId as none', () => {
    expect(Incident.create({ ...manual, moduleId: ' ' }).toSnapshot().moduleId).toBeNull();
  });
});

describe('lifecycle commands', () => {
  it('walks open → acknowledged → investigating → mitigated → resolved with its events', () => {
    const incident = Incident.create(manual);
    incident.pullEvents();
    incident.acknowledge(by(2));
    incident.investigate({ ...by(3), note: 'looking at the pool' });
    incident.mitigate({ ...by(10), note: 'pool size raised' });
    incident.resolve({ ...by(30), rootCause: ' Connection pool exhausted ' });
    const events = incident.pullEvents();
    expect(events.map((e) => e.eventType)).toEqual(['IncidentAcknowledged', 'IncidentResolved']);
    expect(events[0]?.payload).toEqual({
      incidentId: 'inc-1',
      actor: 'user-42',
      acknowledgedAt: iso(2),
    });
    expect(events[1]).toMatchObject({ occurredAt: iso(30), traceId: null });
    expect(events[1]?.payload).toEqual({
      incidentId: 'inc-1',
      title: 'Checkout is slow',
      severity: 'high',
      source: 'manual',
      sourceRef: null,
      projectId: 'checkout',
      moduleId: 'payments',
      rootCause: 'Connection pool exhausted',
      openedAt: iso(0),
      resolvedAt: iso(30),
      durationMs: 30 * 60_000,
    });
    const snap = incident.toSnapshot();
    expect(snap).toMatchObject({
      status: 'resolved',
      acknowledgedAt: iso(2),
      resolvedAt: iso(30),
      rootCause: 'Connection pool exhausted',
      statusChangedAt: iso(30),
    });
    expect(snap.events.map((e) => [e.type, e.note])).toEqual([
      ['opened', null],
      ['acknowledged', null],
      ['investigating', 'looking at the pool'],
      ['mitigated', 'pool size raised'],
      ['resolved', null],
    ]);
  });

  it('any unresolved status may go straight to resolved', () => {
    const open = Incident.create(manual);
    open.resolve({ ...by(1), rootCause: 'false alarm' });
    expect(open.status).toBe('resolved');
    expect(open.toSnapshot().acknowledgedAt).toBeNull();
  });

  it('mitigated → investigating on regression', () => {
    const incident = Incident.create(manual);
    incident.acknowledge(by(1));
    incident.investigate(by(2));
    incident.mitigate(by(3));
    incident.investigate({ ...by(4), note: 'back again' });
    expect(incident.status).toBe('investigating');
  });

  it.each([
    ['investigate', (i: Incident) => i.investigate(by(1))],
    ['mitigate', (i: Incident) => i.mitigate(by(1))],
  ])('refuses %s from open with incident.illegal_transition', (_name, command) => {
    const incident = Incident.create(manual);
    expect(codeOf(() => command(incident))).toBe('incident.illegal_transition');
    expect(incident.status).toBe('open');
  });

  it('refuses acknowledging twice', () => {
    const incident = Incident.create(manual);
    incident.acknowledge(by(1));
    expect(codeOf(() => incident.acknowledge(by(2)))).toBe('incident.illegal_transition');
  });

  it('refuses to resolve without a root cause and stays unresolved', () => {
    const incident = Incident.create(manual);
    incident.pullEvents();
    expect(codeOf(() => incident.resolve({ ...by(1), rootCause: '   ' }))).toBe(
      'incident.root_cause_required',
    );
    expect(incident.status).toBe('open');
    expect(incident.pullEvents()).toEqual([]);
  });

  it('refuses every change after resolve except post-mortem notes', () => {
    const incident = Incident.create(manual);
    incident.resolve({ ...by(1), rootCause: 'bad deploy' });
    const before = incident.toSnapshot();
    for (const change of [
      () => incident.acknowledge(by(2)),
      () => incident.investigate(by(2)),
      () => incident.mitigate(by(2)),
      () => incident.resolve({ ...by(2), rootCause: 'other' }),
      () => incident.escalate(by(2)),
      () => incident.recordRecurrence(alert(2)),
      () => incident.recordSloRecurrence(breach(2)),
    ]) {
      expect(codeOf(change)).toBe('incident.resolved_immutable');
    }
    expect(incident.toSnapshot()).toEqual(before);
    incident.addPostmortemNote({ ...by(60), note: 'add pool saturation alert' });
    expect(incident.toSnapshot().events.at(-1)).toEqual({
      timestamp: iso(60),
      type: 'postmortem_note',
      actor: 'user-42',
      note: 'add pool saturation alert',
    });
  });

  it('refuses post-mortem notes before resolution and empty ones after', () => {
    const incident = Incident.create(manual);
    expect(codeOf(() => incident.addPostmortemNote({ ...by(1), note: 'x' }))).toBe(
      'incident.not_resolved',
    );
    incident.resolve({ ...by(1), rootCause: 'x' });
    expect(codeOf(() => incident.addPostmortemNote({ ...by(2), note: ' ' }))).toBe(
      'incident.note_required',
    );
  });

  it('refuses a command older than the last status change', () => {
    const incident = Incident.create(manual);
    incident.acknowledge(by(10));
    expect(codeOf(() => incident.investigate(by(9)))).toBe('incident.time_out_of_order');
    expect(codeOf(() => incident.acknowledge(by(-1)))).toBe('incident.illegal_transition');
    incident.investigate(by(10));
    expect(incident.status).toBe('investigating');
  });

  it('writes the note of every lifecycle command on the line it appends, trimmed', () => {
    const incident = Incident.create(manual);
    incident.acknowledge({ ...by(1), note: '  on it ' });
    incident.investigate({ ...by(2), note: 'looking at the pool' });
    incident.mitigate({ ...by(3), note: 'pool size raised' });
    incident.resolve({ ...by(4), rootCause: 'pool exhausted', note: 'pool restored' });
    expect(incident.toSnapshot().events.slice(1)).toEqual([
      { timestamp: iso(1), type: 'acknowledged', actor: 'user-42', note: 'on it' },
      { timestamp: iso(2), type: 'investigating', actor: 'user-42', note: 'looking at the pool' },
      { timestamp: iso(3), type: 'mitigated', actor: 'user-42', note: 'pool size raised' },
      { timestamp: iso(4), type: 'resolved', actor: 'user-42', note: 'pool restored' },
    ]);
  });

  it('stores a blank note as none', () => {
    const incident = Incident.create(manual);
    incident.acknowledge({ ...by(1), note: '   ' });
    incident.resolve({ ...by(2), rootCause: 'x', note: null });
    expect(incident.toSnapshot().events.map((e) => e.note)).toEqual([null, null, null]);
  });

  it.each([
    ['acknowledge', (i: Incident, note: string) => i.acknowledge({ ...by(1), note })],
    [
      'resolve',
      (i: Incident, note: string) => i.resolve({ ...by(1), rootCause: 'bad deploy', note }),
    ],
    ['escalate', (i: Incident, note: string) => i.escalate({ ...by(1), note })],
  ])('refuses an over-long note on %s before changing anything', (name, command) => {
    const incident = Incident.create(manual);
    incident.pullEvents();
    const before = incident.toSnapshot();
    expect(codeOf(() => command(incident, 'x'.repeat(10_001)))).toBe('incident.invalid_note');
    expect(incident.toSnapshot()).toEqual(before);
    expect(incident.pullEvents()).toEqual([]);
    // The limit itself is accepted (escalate aside: its line also holds `level N: target`).
    if (name !== 'escalate') {
      command(incident, 'x'.repeat(10_000));
      expect(incident.toSnapshot().events.at(-1)?.note).toHaveLength(10_000);
    }
  });

  it('refuses a command without an actor', () => {
    expect(codeOf(() => Incident.create(manual).acknowledge({ actor: '', at: iso(1) }))).toBe(
      'incident.actor_required',
    );
  });
});

describe('escalation', () => {
  it('escalates an unacknowledged incident step by step, each step once', () => {
    const incident = Incident.create(manual);
    incident.pullEvents();
    expect(incident.dueEscalations(iso(4))).toEqual([]);
    expect(incident.escalateDue(iso(4))).toEqual([]);
    expect(incident.dueEscalations(iso(5)).map((s) => s.level)).toEqual([1]);
    expect(incident.escalateDue(iso(5))).toEqual([
      { level: 1, target: 'primary', delayMinutes: 5, at: iso(5) },
    ]);
    expect(incident.escalateDue(iso(6))).toEqual([]);
    expect(incident.escalateDue(iso(20)).map((s) => s.level)).toEqual([2]);
    expect(incident.escalateDue(iso(99))).toEqual([]);
    expect(incident.pullEvents()).toEqual([
      {
        eventType: 'IncidentEscalated',
        aggregateType: 'Incident',
        aggregateId: 'inc-1',
        tenantId: 'acme',
        traceId: null,
        occurredAt: iso(5),
        payload: { incidentId: 'inc-1', level: 1, target: 'primary', escalatedAt: iso(5) },
      },
      {
        eventType: 'IncidentEscalated',
        aggregateType: 'Incident',
        aggregateId: 'inc-1',
        tenantId: 'acme',
        traceId: null,
        occurredAt: iso(20),
        payload: { incidentId: 'inc-1', level: 2, target: 'secondary', escalatedAt: iso(20) },
      },
    ]);
    expect(incident.toSnapshot().events.filter((e) => e.type === 'escalated')).toHaveLength(2);
  });

  it('a late tick escalates every step it reached, in level order', () => {
    const incident = Incident.create(manual);
    expect(incident.escalateDue(iso(30)).map((s) => s.level)).toEqual([1, 2]);
  });

  it('stops escalating once acknowledged or resolved', () => {
    const acknowledged = Incident.create(manual);
    acknowledged.acknowledge(by(1));
    expect(acknowledged.dueEscalations(iso(60))).toEqual([]);
    expect(acknowledged.escalateDue(iso(60))).toEqual([]);
    const resolved = Incident.create(manual);
    resolved.resolve({ ...by(1), rootCause: 'x' });
    expect(resolved.escalateDue(iso(60))).toEqual([]);
  });

  it('manual escalate pages the next step now; the tick skips it later', () => {
    const incident = Incident.create(manual);
    incident.acknowledge(by(1));
    expect(incident.escalate(by(2, 'user-7'))).toEqual({
      level: 1,
      target: 'primary',
      delayMinutes: 5,
      at: iso(2),
    });
    expect(incident.escalate(by(3)).level).toBe(2);
    expect(codeOf(() => incident.escalate(by(4)))).toBe('incident.no_escalation_step');
    expect(incident.toSnapshot().events.at(-1)).toMatchObject({
      type: 'escalated',
      actor: 'user-42',
      note: 'level 2: secondary',
    });
  });

  it("adds a manual escalation's note after the domain's own level and target", () => {
    const incident = Incident.create(manual);
    incident.escalate({ ...by(1, 'alice'), note: ' need the DBA ' });
    incident.escalate({ ...by(2), note: '' });
    expect(
      incident
        .toSnapshot()
        .events.filter((e) => e.type === 'escalated')
        .map((e) => [e.actor, e.note]),
    ).toEqual([
      ['alice', 'level 1: primary: need the DBA'],
      ['user-42', 'level 2: secondary'],
    ]);
  });

  it('refuses an escalation note that makes the line too long, leaving the step unused', () => {
    const incident = Incident.create(manual);
    incident.pullEvents();
    // Within the limit on its own, over it once `level 1: primary: ` is in front.
    const note = 'x'.repeat(9_990);
    expect(codeOf(() => incident.escalate({ ...by(1), note }))).toBe('incident.invalid_note');
    expect(incident.toSnapshot().escalationSteps.map((s) => s.at)).toEqual([null, null]);
    expect(incident.pullEvents()).toEqual([]);
    expect(incident.escalate({ ...by(1), note: 'x'.repeat(9_980) }).level).toBe(1);
    expect(Incident.rehydrate(incident.toSnapshot()).toSnapshot()).toEqual(incident.toSnapshot());
  });

  it('refuses an invalid tick time', () => {
    expect(codeOf(() => Incident.create(manual).escalateDue('soon'))).toBe('time.invalid_instant');
  });
});

describe('escalation of a replayed signal', () => {
  const HOUR = 3_600_000;
  const steps = [
    { level: 1, target: 'primary', delayMinutes: 5 },
    { level: 2, target: 'secondary', delayMinutes: 15 },
    { level: 3, target: 'manager', delayMinutes: 30 },
  ];
  const THREE_DAYS = 3 * 24 * 60;

  function replayed(lagMinutes: number, replayHorizonMs = HOUR): Incident {
    return Incident.fromAlert({
      incidentId: 'inc-r',
      tenantId: 'acme',
      alert: alert(-lagMinutes),
      escalationSteps: steps,
      intake: { receivedAt: iso(0), replayHorizonMs },
    });
  }

  it('counts delays from the intake for an alert older than the horizon, one step at a time', () => {
    const incident = replayed(THREE_DAYS);
    expect(incident.toSnapshot()).toMatchObject({
      openedAt: iso(-THREE_DAYS),
      escalationStartsAt: iso(0),
    });
    // IncidentOpened keeps event time: the problem fired three days ago.
    expect(incident.pullEvents()[0]?.payload).toMatchObject({ openedAt: iso(-THREE_DAYS) });
    expect(incident.escalateDue(iso(0))).toEqual([]);
    expect(incident.escalateDue(iso(4))).toEqual([]);
    expect(incident.escalateDue(iso(5)).map((s) => s.level)).toEqual([1]);
    expect(incident.escalateDue(iso(14))).toEqual([]);
    expect(incident.escalateDue(iso(15)).map((s) => s.level)).toEqual([2]);
    expect(incident.escalateDue(iso(30)).map((s) => s.level)).toEqual([3]);
  });

  it('keeps event time within the horizon: a late alert pages the steps it is overdue for', () => {
    const late = replayed(20);
    expect(late.toSnapshot().escalationStartsAt).toBe(iso(-20));
    expect(late.escalateDue(iso(0)).map((s) => s.level)).toEqual([1, 2]);
    // Exactly the horizon is still live; one millisecond more is a replay.
    expect(replayed(60).toSnapshot().escalationStartsAt).toBe(iso(-60));
    expect(replayed(60, HOUR - 1).toSnapshot().escalationStartsAt).toBe(iso(0));
  });

  it('applies the same rule to an SLO breach', () => {
    const incident = Incident.fromSloBreach({
      incidentId: 'inc-s',
      tenantId: 'acme',
      breach: breach(-THREE_DAYS),
      severity: 'critical',
      escalationSteps: steps,
      intake: { receivedAt: iso(0), replayHorizonMs: HOUR },
    });
    expect(incident.toSnapshot()).toMatchObject({
      openedAt: iso(-THREE_DAYS),
      escalationStartsAt: iso(0),
    });
    expect(incident.dueEscalations(iso(0))).toEqual([]);
    expect(incident.dueEscalations(iso(5)).map((s) => s.level)).toEqual([1]);
  });

  it('counts from openedAt when there is no intake (manual) or the signal is from the future', () => {
    expect(Incident.create(manual).toSnapshot().escalationStartsAt).toBe(iso(0));
    expect(replayed(-10).toSnapshot()).toMatchObject({
      openedAt: iso(10),
      escalationStartsAt: iso(10),
    });
  });

  it('measures the duration from openedAt, not from the escalation start', () => {
    const incident = replayed(THREE_DAYS);
    incident.pullEvents();
    incident.resolve({ ...by(1), rootCause: 'old news' });
    expect(incident.pullEvents()[0]?.payload).toMatchObject({
      durationMs: (THREE_DAYS + 1) * 60_000,
    });
  });

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    'refuses a replay horizon of %s',
    (replayHorizonMs) => {
      expect(codeOf(() => replayed(0, replayHorizonMs))).toBe('incident.invalid_replay_horizon');
    },
  );

  it('refuses an intake time that is not an instant', () => {
    expect(
      codeOf(() =>
        Incident.fromAlert({
          incidentId: 'i',
          tenantId: 'acme',
          alert: alert(),
          intake: { receivedAt: 'now', replayHorizonMs: HOUR },
        }),
      ),
    ).toBe('time.invalid_instant');
  });

  it('round-trips escalationStartsAt and refuses one before openedAt', () => {
    const snap = replayed(THREE_DAYS).toSnapshot();
    expect(Incident.rehydrate(snap).toSnapshot()).toEqual(snap);
    expect(
      codeOf(() => Incident.rehydrate({ ...snap, escalationStartsAt: iso(-THREE_DAYS - 1) })),
    ).toBe('incident.inconsistent_lifecycle');
  });
});

describe('recurrence of the same alert', () => {
  it('appends a timeline line instead of opening another incident', () => {
    const incident = fromAlert();
    incident.acknowledge(by(1));
    incident.pullEvents();
    incident.recordRecurrence(alert(10));
    expect(incident.status).toBe('acknowledged');
    expect(incident.pullEvents()).toEqual([]);
    expect(incident.toSnapshot().events.at(-1)).toEqual({
      timestamp: iso(10),
      type: 'recurrence',
      actor: 'rule-1',
      note: 'http.server.duration p95 = 310 (gt 300)',
    });
  });

  it('a recurrence after mitigation is a regression: back to investigating', () => {
    const incident = fromAlert();
    incident.acknowledge(by(1));
    incident.investigate(by(2));
    incident.mitigate(by(5));
    incident.recordRecurrence(alert(4));
    expect(incident.status).toBe('mitigated');
    incident.recordRecurrence(alert(8));
    expect(incident.status).toBe('investigating');
    expect(
      incident
        .toSnapshot()
        .events.slice(-2)
        .map((e) => e.type),
    ).toEqual(['recurrence', 'investigating']);
  });

  it('refuses an alert with another fingerprint or of another tenant', () => {
    const incident = fromAlert();
    const other = alert(1, { payload: { ...alertPayload, fingerprint: 'rule-1:service=x' } });
    expect(codeOf(() => incident.recordRecurrence(other))).toBe('incident.fingerprint_mismatch');
    expect(codeOf(() => incident.recordRecurrence(alert(1, { tenantId: 'globex' })))).toBe(
      'incident.tenant_mismatch',
    );
    expect(codeOf(() => Incident.create(manual).recordRecurrence(alert(1)))).toBe(
      'incident.fingerprint_mismatch',
    );
  });
});

describe('recurrence of the same SLO breach', () => {
  it('appends a recurrence line (actor = sloId) and leaves the status alone', () => {
    const incident = fromSlo();
    incident.acknowledge(by(1));
    incident.pullEvents();
    incident.recordSloRecurrence(breach(10));
    expect(incident.status).toBe('acknowledged');
    expect(incident.pullEvents()).toEqual([]);
    expect(incident.toSnapshot().events.at(-1)).toEqual({
      timestamp: iso(10),
      type: 'recurrence',
      actor: 'slo-1',
      note: 'SLO Payments availability breached again: 0.12% bad events (budget 0.1%)',
    });
  });

  it('regresses a mitigated incident to investigating, as an alert recurrence does', () => {
    const incident = fromSlo();
    incident.acknowledge(by(1));
    incident.investigate(by(2));
    incident.mitigate(by(5));
    // A breach from before the mitigation arrived late: it says nothing about the fix.
    incident.recordSloRecurrence(breach(4));
    expect(incident.status).toBe('mitigated');
    incident.recordSloRecurrence(breach(5));
    expect(incident.status).toBe('investigating');
    expect(incident.toSnapshot()).toMatchObject({ statusChangedAt: iso(5) });
    expect(
      incident
        .toSnapshot()
        .events.slice(-3)
        .map((e) => [e.type, e.actor, e.type === 'recurrence' ? e.timestamp : e.note]),
    ).toEqual([
      ['recurrence', 'slo-1', iso(4)],
      ['recurrence', 'slo-1', iso(5)],
      ['investigating', 'system', 'regression: SLO breached again'],
    ]);
    expect(Incident.rehydrate(incident.toSnapshot()).toSnapshot()).toEqual(incident.toSnapshot());
  });

  it('refuses a breach of another SLO, of another tenant, or on an alert incident', () => {
    const incident = fromSlo();
    const before = incident.toSnapshot();
    const other = breach(1, { payload: { ...breachPayload, sloId: 'slo-2' } });
    expect(codeOf(() => incident.recordSloRecurrence(other))).toBe('incident.slo_mismatch');
    expect(codeOf(() => incident.recordSloRecurrence(breach(1, { tenantId: 'globex' })))).toBe(
      'incident.tenant_mismatch',
    );
    expect(codeOf(() => incident.recordRecurrence(alert(1)))).toBe('incident.fingerprint_mismatch');
    expect(incident.toSnapshot()).toEqual(before);
    const sameRef = fromAlert();
    const slo1 = breach(1, { payload: { ...breachPayload, sloId: alertPayload.fingerprint } });
    expect(codeOf(() => sameRef.recordSloRecurrence(slo1))).toBe('incident.slo_mismatch');
  });

  it('is a command like the others', () => {
    const incident = fromSlo();
    executeIncidentCommand(incident, { type: 'recordSloRecurrence', breach: breach(2) });
    expect(incident.toSnapshot().events.map((e) => e.type)).toEqual(['opened', 'recurrence']);
  });
});

describe('rehydrate', () => {
  function resolvedSnapshot(): IncidentSnapshot {
    const incident = Incident.create({ ...manual, dimensions: DIMENSIONS });
    incident.acknowledge(by(1));
    incident.escalate(by(2));
    incident.resolve({ ...by(3), rootCause: 'bad deploy' });
    return incident.toSnapshot();
  }

  it('round-trips a snapshot through JSON and records nothing', () => {
    const snap = resolvedSnapshot();
    const stored = JSON.parse(JSON.stringify(snap)) as IncidentSnapshot;
    const incident = Incident.rehydrate(stored);
    expect(incident.toSnapshot()).toEqual(snap);
    expect(incident.id).toBe('inc-1');
    expect(incident.pullEvents()).toEqual([]);
  });

  it('refuses a resolvedAt without a root cause', () => {
    expect(codeOf(() => Incident.rehydrate({ ...resolvedSnapshot(), rootCause: null }))).toBe(
      'incident.root_cause_required',
    );
  });

  it.each([
    [{ status: 'open' }],
    [{ resolvedAt: null }],
    [{ status: 'acknowledged', resolvedAt: null, rootCause: null, acknowledgedAt: null }],
    [{ status: 'open', resolvedAt: null, rootCause: null }],
    [{ acknowledgedAt: '2024-05-01T09:00:00.000Z' }],
  ] as const)('refuses an inconsistent lifecycle %j', (overrides) => {
    expect(codeOf(() => Incident.rehydrate({ ...resolvedSnapshot(), ...overrides }))).toBe(
      'incident.inconsistent_lifecycle',
    );
  });

  it('refuses stored dimensions of another tenant', () => {
    const snap = resolvedSnapshot();
    expect(
      codeOf(() =>
        Incident.rehydrate({
          ...snap,
          dimensions: { ...DIMENSIONS, tenantId: 'globex' } as IncidentSnapshot['dimensions'],
        }),
      ),
    ).toBe('incident.tenant_mismatch');
  });
});

import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import type { TenantId } from '../kernel/ids.js';
import type { Severity } from '../kernel/severity.js';
import { parseInstant, toIso } from '../kernel/time.js';
import { dueSteps, escalationStart, type EscalationStep } from './escalation-step.js';
import {
  actor as toActor,
  NOTE_MAX_LENGTH,
  optionalNote,
  SYSTEM_ACTOR,
  type IncidentEvent,
  type IncidentEventType,
} from './incident-event.entity.js';
import type {
  AlertResolvedSignal,
  AlertSignal,
  NoteCommand,
  OnCallLookup,
  OpenFromAlertInput,
  OpenFromSloBreachInput,
  OpenFromSloBurnRateAlertInput,
  OpenIncidentInput,
  PostmortemNoteCommand,
  ResolveCommand,
  SloBurnRateAlertResolvedSignal,
  SloBurnRateAlertSignal,
  SloSignal,
} from './incident-inputs.js';
import { canTransition } from './incident-lifecycle.js';
import {
  alertTitle,
  burnRuleReadings,
  openedPayload,
  resolvedPayload,
  sloBurnRateTitle,
  sloTitle,
} from './incident-payloads.js';
import {
  ensureTenant,
  rootCause as toRootCause,
  validIncident,
  type IncidentSnapshot,
  type IncidentState,
} from './incident-state.js';
import { INCIDENT_AGGREGATE_TYPE, type IncidentDomainEvent } from './incident.events.js';
import type { IncidentSource, IncidentStatus } from './incident-values.js';

/**
 * A tracked operational problem. Every accepted command appends a line to the timeline and moves
 * the status only along INCIDENT_TRANSITIONS; a resolved incident accepts post-mortem notes only.
 */
export class Incident extends AggregateRoot<IncidentDomainEvent> {
  private state: IncidentState;

  private constructor(state: IncidentState) {
    super();
    this.state = state;
  }

  static create(input: OpenIncidentInput): Incident {
    const source = input.source;
    const openedAtMs = parseInstant(input.openedAt, 'openedAt');
    const state = validIncident({
      incidentId: input.incidentId,
      tenantId: input.tenantId,
      projectId: input.projectId,
      moduleId: input.moduleId ?? null,
      title: input.title,
      severity: input.severity,
      status: 'open',
      source,
      sourceRef: input.sourceRef ?? null,
      traceId: input.traceId ?? (source === 'trace' ? (input.sourceRef ?? null) : null),
      openedAt: input.openedAt,
      escalationStartsAt: toIso(escalationStart(openedAtMs, input.intake)),
      acknowledgedAt: null,
      resolvedAt: null,
      rootCause: null,
      statusChangedAt: input.openedAt,
      dimensions: input.dimensions ?? null,
      escalationPolicyId: input.escalationPolicyId ?? null,
      escalationSteps: (input.escalationSteps ?? []).map((s) => ({ ...s, at: null })),
      events: [
        { timestamp: input.openedAt, type: 'opened', actor: input.openedBy ?? SYSTEM_ACTOR },
      ],
    });
    const sourceTenant = input.sourceTenantId ?? null;
    if (sourceTenant !== null) ensureTenant(state.tenantId, sourceTenant, 'the source event');
    const incident = new Incident(state);
    incident.recordOpened();
    return incident;
  }

  /** Opens the incident for a firing alert; its fingerprint becomes the sourceRef. */
  static fromAlert(input: OpenFromAlertInput): Incident {
    const alert = input.alert.payload;
    return Incident.create({
      incidentId: input.incidentId,
      tenantId: input.tenantId,
      projectId: alert.projectId,
      moduleId: alert.moduleId,
      title: alertTitle(alert),
      severity: alert.severity,
      source: 'alert',
      sourceRef: alert.fingerprint,
      traceId: input.alert.traceId,
      dimensions: input.dimensions ?? null,
      openedAt: input.openedAt ?? alert.firedAt,
      escalationSteps: input.escalationSteps ?? [],
      escalationPolicyId: input.escalationPolicyId ?? null,
      sourceTenantId: input.alert.tenantId,
      intake: input.intake,
    });
  }

  /** Opens the incident for a breached SLO; its sloId becomes the sourceRef. */
  static fromSloBreach(input: OpenFromSloBreachInput): Incident {
    const breach = input.breach.payload;
    return Incident.create({
      incidentId: input.incidentId,
      tenantId: input.tenantId,
      projectId: breach.projectId,
      // An SLO is defined per project; the breach names no module.
      moduleId: null,
      title: sloTitle(breach),
      severity: input.severity,
      source: 'slo',
      sourceRef: breach.sloId,
      traceId: input.breach.traceId,
      openedAt: input.openedAt ?? breach.breachedAt,
      escalationSteps: input.escalationSteps ?? [],
      escalationPolicyId: input.escalationPolicyId ?? null,
      sourceTenantId: input.breach.tenantId,
      intake: input.intake,
    });
  }

  /**
   * Opens the incident for a burn-rate alert of an SLO (slo-service pages long before the budget
   * is spent). The sloId becomes the sourceRef, as for a breach, so one SLO problem is one
   * incident: a breach that follows lands on it as a recurrence.
   */
  static fromSloBurnRateAlert(input: OpenFromSloBurnRateAlertInput): Incident {
    const alert = input.alert.payload;
    const incident = Incident.create({
      incidentId: input.incidentId,
      tenantId: input.tenantId,
      projectId: alert.projectId,
      // An SLO is defined per project; the alert names no module.
      moduleId: null,
      title: sloBurnRateTitle(alert),
      severity: input.severity,
      source: 'slo',
      sourceRef: alert.sloId,
      traceId: input.alert.traceId,
      openedAt: alert.firedAt,
      escalationSteps: input.escalationSteps ?? [],
      sourceTenantId: input.alert.tenantId,
      intake: input.intake,
    });
    incident.state = {
      ...incident.state,
      events: incident.state.events.map((line) =>
        line.type === 'opened'
          ? { ...line, note: optionalNote(`burn-rate alert fired: ${burnRuleReadings(alert)}`) }
          : line,
      ),
    };
    return incident;
  }

  static rehydrate(snapshot: IncidentSnapshot): Incident {
    return new Incident(validIncident(snapshot));
  }

  get id(): string {
    return this.state.incidentId;
  }

  get tenantId(): TenantId {
    return this.state.tenantId;
  }

  get status(): IncidentStatus {
    return this.state.status;
  }

  get source(): IncidentSource {
    return this.state.source;
  }

  get severity(): Severity {
    return this.state.severity;
  }

  /** open → acknowledged; stops automatic escalation. */
  acknowledge(command: NoteCommand): void {
    const { by, at, note } = this.prepareTransition('acknowledged', command);
    this.moveTo('acknowledged', at, by, note, { acknowledgedAt: at });
    this.record({
      ...this.eventHeader(at),
      eventType: 'IncidentAcknowledged',
      payload: { incidentId: this.state.incidentId, actor: by, acknowledgedAt: at },
    });
  }

  /** acknowledged → investigating, or mitigated → investigating when the fix did not hold. */
  investigate(command: NoteCommand): void {
    const { by, at, note } = this.prepareTransition('investigating', command);
    this.moveTo('investigating', at, by, note);
  }

  mitigate(command: NoteCommand): void {
    const { by, at, note } = this.prepareTransition('mitigated', command);
    this.moveTo('mitigated', at, by, note);
  }

  /** Any unresolved status → resolved; the root cause is what the learning loop feeds on. */
  resolve(command: ResolveCommand): void {
    this.ensureMutable();
    const cause = toRootCause(command.rootCause);
    const { by, at, note } = this.prepareTransition('resolved', command);
    this.moveTo('resolved', at, by, note, { resolvedAt: at, rootCause: cause });
    this.recordResolved(cause, at);
  }

  /**
   * Pages the next step now, whatever its delay (a human decided it cannot wait). The caller's
   * note follows the domain's own `level N: target` on the line, and the whole line must fit the
   * note limit, because the stored timeline is re-checked on every load.
   */
  escalate(command: NoteCommand, onCall?: OnCallLookup): EscalationStep {
    this.ensureMutable();
    const by = toActor(command.actor);
    const at = this.commandTime(command.at);
    const note = optionalNote(command.note);
    const next = this.state.escalationSteps.find((s) => s.at === null);
    ensure(
      next !== undefined,
      'incident.no_escalation_step',
      'every escalation step has already been used',
    );
    this.escalateSteps([next], at, by, note, onCall);
    return { ...next, at };
  }

  /** Unused steps an open incident has reached at `now`, delays counted from escalationStartsAt. */
  dueEscalations(now: string): readonly EscalationStep[] {
    const nowMs = parseInstant(now, 'now');
    if (this.state.status !== 'open') return [];
    return dueSteps(this.state.escalationSteps, Date.parse(this.state.escalationStartsAt), nowMs);
  }

  /**
   * The scheduler's tick: escalates every due step once, in level order. Acknowledged or resolved
   * incidents have nothing due, so a late tick is harmless rather than an error.
   */
  escalateDue(now: string, onCall?: OnCallLookup): readonly EscalationStep[] {
    const due = this.dueEscalations(now);
    if (due.length === 0) return [];
    return this.escalateSteps(due, toIso(parseInstant(now, 'now')), SYSTEM_ACTOR, null, onCall);
  }

  /** The schedules the unused steps name, each once (what an escalation may need to look up). */
  pendingScheduleIds(): string[] {
    return [
      ...new Set(
        this.state.escalationSteps.filter((s) => s.at === null).flatMap((s) => s.scheduleIds ?? []),
      ),
    ];
  }

  /** The only change a resolved incident accepts. */
  addPostmortemNote(command: PostmortemNoteCommand): void {
    ensure(
      this.state.status === 'resolved',
      'incident.not_resolved',
      'post-mortem notes are added once the incident is resolved',
      { status: this.state.status },
    );
    const note = optionalNote(command.note);
    ensure(note !== null, 'incident.note_required', 'a post-mortem note needs text');
    const by = toActor(command.actor);
    const at = this.commandTime(command.at);
    this.append({ timestamp: at, type: 'postmortem_note', actor: by, note });
  }

  /**
   * The same alert fired again while this incident is unresolved (docs/design.md#incident): the
   * timeline gains a line instead of a second incident opening. When it fires after mitigation
   * the mitigation did not hold, so investigation resumes (mitigated → investigating).
   */
  recordRecurrence(alert: AlertSignal): void {
    this.ensureMutable();
    ensureTenant(this.state.tenantId, alert.tenantId, 'the alert');
    const payload = alert.payload;
    ensure(
      this.state.source === 'alert' && this.state.sourceRef === payload.fingerprint,
      'incident.fingerprint_mismatch',
      'the alert belongs to another incident (different fingerprint)',
      { sourceRef: this.state.sourceRef, fingerprint: payload.fingerprint },
    );
    this.recur(
      toIso(parseInstant(payload.firedAt, 'firedAt')),
      payload.alertRuleId,
      `${payload.metric} ${payload.aggregation} = ${payload.observedValue} (${payload.operator} ${payload.threshold})`,
      'regression: alert fired again',
    );
  }

  /**
   * The alert that opened this incident stopped firing (AlertResolved): a timeline line, at the
   * event's resolvedAt, and no status change. Whether the problem is over is for people to say
   * (resolve needs a root cause); the line tells them the signal recovered.
   */
  recordAlertResolved(resolved: AlertResolvedSignal): void {
    this.ensureMutable();
    ensureTenant(this.state.tenantId, resolved.tenantId, 'the alert');
    const payload = resolved.payload;
    ensure(
      this.state.source === 'alert' && this.state.sourceRef === payload.fingerprint,
      'incident.fingerprint_mismatch',
      'the alert belongs to another incident (different fingerprint)',
      { sourceRef: this.state.sourceRef, fingerprint: payload.fingerprint },
    );
    const value = payload.observedValue === null ? 'no data' : String(payload.observedValue);
    const windows = payload.resolveAfterWindows;
    this.append({
      timestamp: toIso(parseInstant(payload.resolvedAt, 'resolvedAt')),
      type: 'alert_resolved',
      actor: toActor(payload.alertRuleId),
      note: optionalNote(
        `alert resolved: ${payload.metric} ${payload.aggregation} = ${value} (${payload.operator} ${payload.threshold}) for ${windows} window${windows === 1 ? '' : 's'}`,
      ),
    });
  }

  /**
   * The SLO breached again while this incident is unresolved: the same rule as an alert's
   * recurrence, a line instead of a second incident, and a regression when it was mitigated.
   */
  recordSloRecurrence(breach: SloSignal): void {
    this.ensureMutable();
    ensureTenant(this.state.tenantId, breach.tenantId, 'the SLO breach');
    const payload = breach.payload;
    ensure(
      this.state.source === 'slo' && this.state.sourceRef === payload.sloId,
      'incident.slo_mismatch',
      'the SLO breach belongs to another incident (different SLO)',
      { sourceRef: this.state.sourceRef, sloId: payload.sloId },
    );
    this.recur(
      toIso(parseInstant(payload.breachedAt, 'breachedAt')),
      payload.sloId,
      `SLO ${payload.name} breached again: ${payload.badPct}% bad events (budget ${payload.errorBudget}%)`,
      'regression: SLO breached again',
    );
  }

  /**
   * A burn-rate alert of this incident's SLO fired while it is unresolved (it was opened by a
   * breach, or an earlier episode of the alert): a recurrence line, and a regression when it was
   * mitigated, as for an alert or a breach.
   */
  recordSloBurnRateAlert(alert: SloBurnRateAlertSignal): void {
    this.ensureMutable();
    ensureTenant(this.state.tenantId, alert.tenantId, 'the SLO burn-rate alert');
    const payload = alert.payload;
    this.ensureSlo(payload.sloId);
    this.recur(
      toIso(parseInstant(payload.firedAt, 'firedAt')),
      payload.sloId,
      `SLO ${payload.name} burn-rate alert (${payload.severity}) fired: ${burnRuleReadings(payload)}`,
      'regression: SLO burn-rate alert fired again',
    );
  }

  /**
   * The burn-rate alert stopped (its short windows cooled): an `alert_resolved` line at the
   * event's resolvedAt and no status change, as for AlertResolved.
   */
  recordSloBurnRateAlertResolved(resolved: SloBurnRateAlertResolvedSignal): void {
    this.ensureMutable();
    ensureTenant(this.state.tenantId, resolved.tenantId, 'the SLO burn-rate alert');
    const payload = resolved.payload;
    this.ensureSlo(payload.sloId);
    this.append({
      timestamp: toIso(parseInstant(payload.resolvedAt, 'resolvedAt')),
      type: 'alert_resolved',
      actor: toActor(payload.sloId),
      note: optionalNote(
        `SLO burn-rate alert (${payload.severity}) resolved: ${burnRuleReadings(payload)}; ${payload.budgetRemaining}% of ${payload.errorBudget}% budget left`,
      ),
    });
  }

  private ensureSlo(sloId: string): void {
    ensure(
      this.state.source === 'slo' && this.state.sourceRef === sloId,
      'incident.slo_mismatch',
      'the SLO signal belongs to another incident (different SLO)',
      { sourceRef: this.state.sourceRef, sloId },
    );
  }

  toSnapshot(): IncidentSnapshot {
    return {
      ...this.state,
      dimensions: this.state.dimensions === null ? null : { ...this.state.dimensions },
      escalationSteps: this.state.escalationSteps.map((s) => ({ ...s })),
      events: this.state.events.map((e) => ({ ...e })),
    };
  }

  private ensureMutable(): void {
    ensure(
      this.state.status !== 'resolved',
      'incident.resolved_immutable',
      'a resolved incident accepts post-mortem notes only',
      { incidentId: this.state.incidentId },
    );
  }

  /** Checks everything a status change needs (its note included) before anything changes. */
  private prepareTransition(
    to: IncidentStatus,
    command: NoteCommand,
  ): { by: string; at: string; note: string | null } {
    this.ensureMutable();
    ensure(
      canTransition(this.state.status, to),
      'incident.illegal_transition',
      `an ${this.state.status} incident cannot become ${to}`,
      { from: this.state.status, to },
    );
    return {
      by: toActor(command.actor),
      at: this.commandTime(command.at),
      note: optionalNote(command.note),
    };
  }

  /** Command time as ISO; never before the last status change, so the timeline stays ordered. */
  private commandTime(value: string): string {
    const at = parseInstant(value, 'at');
    ensure(
      at >= Date.parse(this.state.statusChangedAt),
      'incident.time_out_of_order',
      'a command cannot be older than the last status change',
      { at: value, statusChangedAt: this.state.statusChangedAt },
    );
    return toIso(at);
  }

  /**
   * A recurrence keeps the signal's own time (event time), so it is exempt from the command-time
   * order check; only one at or after the mitigation proves the mitigation did not hold.
   */
  private recur(at: string, signalActor: string, text: string, regression: string): void {
    const by = toActor(signalActor);
    const note = optionalNote(text);
    this.append({ timestamp: at, type: 'recurrence', actor: by, note });
    const regressed =
      this.state.status === 'mitigated' && Date.parse(at) >= Date.parse(this.state.statusChangedAt);
    if (regressed) this.moveTo('investigating', at, SYSTEM_ACTOR, regression);
  }

  private moveTo(
    to: Exclude<IncidentStatus, 'open'>,
    at: string,
    by: string,
    note: string | null,
    fields: Partial<Pick<IncidentState, 'acknowledgedAt' | 'resolvedAt' | 'rootCause'>> = {},
  ): void {
    const type: IncidentEventType = to;
    this.state = { ...this.state, ...fields, status: to, statusChangedAt: at };
    this.append({ timestamp: at, type, actor: by, note });
  }

  private append(event: IncidentEvent): void {
    this.state = { ...this.state, events: [...this.state.events, event] };
  }

  /**
   * Marks the steps used and records one IncidentEscalated each. A step of an escalation policy
   * also carries its receivers and whoever its schedules put on call at `at` (looked up through
   * `onCall`); each member paged that way gets a `paged` line on the timeline, since members are
   * people, not receivers, and the timeline is where the page is kept.
   */
  private escalateSteps(
    steps: readonly EscalationStep[],
    at: string,
    by: string,
    note: string | null = null,
    onCall?: OnCallLookup,
  ): readonly EscalationStep[] {
    // Lines first: an over-long one is refused before any step is marked as used.
    const lines = steps.map((s) => {
      const level = `level ${s.level}: ${s.target}`;
      return optionalNote(note === null ? level : `${level}: ${note}`);
    });
    const atMs = Date.parse(at);
    const pages = steps.map((s) =>
      (s.scheduleIds ?? []).map((scheduleId) => {
        const found = onCall?.(scheduleId, atMs);
        return {
          scheduleId,
          scheduleName: found?.scheduleName ?? null,
          member: found?.member ?? null,
        };
      }),
    );
    const levels = new Set(steps.map((s) => s.level));
    const escalated = steps.map((s) => ({ ...s, at }));
    this.state = {
      ...this.state,
      escalationSteps: this.state.escalationSteps.map((s) =>
        levels.has(s.level) ? { ...s, at } : s,
      ),
    };
    for (const [index, step] of escalated.entries()) {
      this.append({ timestamp: at, type: 'escalated', actor: by, note: lines[index] ?? null });
      const paged = pages[index] ?? [];
      for (const page of paged) {
        if (page.member === null) continue;
        this.append({
          timestamp: at,
          type: 'paged',
          actor: SYSTEM_ACTOR,
          note: optionalNote(
            `paged ${page.member} (on call for ${page.scheduleName ?? page.scheduleId}, level ${step.level})`.slice(
              0,
              NOTE_MAX_LENGTH,
            ),
          ),
        });
      }
      const policyStep = step.receiverIds !== undefined || step.scheduleIds !== undefined;
      this.record({
        ...this.eventHeader(at),
        eventType: 'IncidentEscalated',
        payload: {
          incidentId: this.state.incidentId,
          level: step.level,
          target: step.target,
          escalatedAt: at,
          ...(policyStep
            ? {
                escalationPolicyId: this.state.escalationPolicyId,
                receiverIds: [...(step.receiverIds ?? [])],
                onCall: paged.map((p) => ({ scheduleId: p.scheduleId, member: p.member })),
                title: this.state.title,
                severity: this.state.severity,
                projectId: this.state.projectId,
                sourceRef: this.state.sourceRef,
              }
            : {}),
        },
      });
    }
    return escalated;
  }

  private eventHeader(at: string): Omit<IncidentDomainEvent, 'eventType' | 'payload'> {
    return {
      aggregateType: INCIDENT_AGGREGATE_TYPE,
      aggregateId: this.state.incidentId,
      tenantId: this.state.tenantId,
      traceId: this.state.traceId,
      occurredAt: at,
    };
  }

  private recordOpened(): void {
    this.record({
      ...this.eventHeader(this.state.openedAt),
      eventType: 'IncidentOpened',
      payload: openedPayload(this.state),
    });
  }

  private recordResolved(rootCause: string, resolvedAt: string): void {
    this.record({
      ...this.eventHeader(resolvedAt),
      eventType: 'IncidentResolved',
      payload: resolvedPayload(this.state, rootCause, resolvedAt),
    });
  }
}

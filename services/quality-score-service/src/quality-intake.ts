import { sloCategory } from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import type { QualityInputs } from './quality-inputs.js';
import type { Recomputed, ScoreRecomputer } from './score-recomputer.js';
import type { TouchedSpan } from './windows.js';

/**
 * What each consumed event does: record the input it carries (in this service's schema), then
 * recompute the windows it touches, all in the consumer's transaction next to its inbox row.
 * A recomputation that changes nothing writes nothing and emits nothing, so a redelivered event
 * (already-recorded input, same inputs) has no effect even past the inbox.
 */
export class QualityIntake {
  constructor(
    private readonly inputs: QualityInputs,
    private readonly recomputer: ScoreRecomputer,
  ) {}

  /** Feedback without a project scores nothing: there is no project to score. */
  async feedbackItemCreated(
    envelope: Envelope<'FeedbackItemCreated'>,
    tx: Transaction,
  ): Promise<Recomputed[]> {
    const { payload, tenantId } = envelope;
    const projectId = payload.projectId;
    if (projectId === null) return [];
    return this.recordAt(envelope, tx, projectId, async () => {
      await this.inputs.recordFeedback(tx, {
        tenantId,
        feedbackItemId: payload.feedbackItemId,
        projectId,
        artifactId: payload.artifactId,
        category: payload.category,
        sentiment: payload.sentiment,
        createdAt: payload.createdAt,
        source: payload.source,
        sourceId: payload.sourceId,
        // The event it was made of (an SloBreached, a CostAnomalyDetected): the same cause.
        causeId: envelope.causationId ?? null,
      });
      return { projectId, at: payload.createdAt };
    });
  }

  /** Routed or applied: the item's status moves on, and the windows holding it are recomputed. */
  async feedbackItemAdvanced(
    envelope: Envelope<'FeedbackItemRouted'> | Envelope<'FeedbackItemApplied'>,
    tx: Transaction,
  ): Promise<Recomputed[]> {
    const { payload, tenantId } = envelope;
    if (payload.projectId === null) return [];
    const status = envelope.eventType === 'FeedbackItemApplied' ? 'applied' : 'routed';
    return this.recordAt(envelope, tx, payload.projectId, async () => {
      const place = await this.inputs.advanceFeedback(tx, tenantId, payload.feedbackItemId, status);
      return place && { projectId: place.projectId, at: place.createdAt };
    });
  }

  /** A cost anomaly weighs on cost_efficiency (C), once with its feedback (the same cause). */
  async costAnomalyDetected(
    envelope: Envelope<'CostAnomalyDetected'>,
    tx: Transaction,
  ): Promise<Recomputed[]> {
    const { payload, tenantId } = envelope;
    return this.recordAt(envelope, tx, payload.projectId, async () => {
      await this.inputs.recordCostAnomaly(tx, {
        tenantId,
        costSignalId: payload.costSignalId,
        category: payload.category,
        projectId: payload.projectId,
        deltaPct: payload.deltaPct,
        detectedAt: payload.detectedAt,
        causeId: envelope.eventId,
      });
      return { projectId: payload.projectId, at: payload.detectedAt };
    });
  }

  async incidentOpened(
    envelope: Envelope<'IncidentOpened'>,
    tx: Transaction,
  ): Promise<Recomputed[]> {
    const { openedAt } = envelope.payload;
    // Still open: every stored window ending after it opened is touched.
    return this.incident(envelope, tx, null, { from: openedAt, to: null }, openedAt);
  }

  async incidentResolved(
    envelope: Envelope<'IncidentResolved'>,
    tx: Transaction,
  ): Promise<Recomputed[]> {
    const { openedAt, resolvedAt } = envelope.payload;
    // Touched: stored windows it lived in; its open flag changes only where it ends.
    return this.incident(envelope, tx, resolvedAt, { from: openedAt, to: resolvedAt }, resolvedAt);
  }

  /** Either incident event: its input recorded under the project lock, then a recompute. */
  private async incident(
    envelope: Envelope<'IncidentOpened'> | Envelope<'IncidentResolved'>,
    tx: Transaction,
    resolvedAt: string | null,
    touched: TouchedSpan,
    at: string,
  ): Promise<Recomputed[]> {
    const { payload, tenantId } = envelope;
    await this.recomputer.lockProject(tx, tenantId, payload.projectId);
    await this.inputs.recordIncident(tx, {
      tenantId,
      incidentId: payload.incidentId,
      projectId: payload.projectId,
      severity: payload.severity,
      openedAt: payload.openedAt,
      resolvedAt,
      // An incident opened from an SLO breach was opened by the SloBreached event (its causation):
      // the same cause as the breach. A resolution made over HTTP carries no causation.
      causeId:
        envelope.eventType === 'IncidentOpened' && payload.source === 'slo'
          ? (envelope.causationId ?? null)
          : null,
    });
    return this.recomputer.recomputeTouched(tx, tenantId, payload.projectId, touched, at, {
      traceId: envelope.traceId,
    });
  }

  /** The dimension an SLO guards is decided as for its feedback: latency-like names → performance. */
  async sloBreached(envelope: Envelope<'SloBreached'>, tx: Transaction): Promise<Recomputed[]> {
    const { payload, tenantId } = envelope;
    return this.recordAt(envelope, tx, payload.projectId, async () => {
      await this.inputs.recordSloBreach(tx, {
        tenantId,
        sloId: payload.sloId,
        projectId: payload.projectId,
        errorBudget: payload.errorBudget,
        // The SLO's declared dimension; its name only for events from before it was carried.
        dimension:
          payload.dimension ??
          (sloCategory(payload.name) === 'performance' ? 'performance' : 'reliability'),
        breachedAt: payload.breachedAt,
        causeId: envelope.eventId,
      });
      return { projectId: payload.projectId, at: payload.breachedAt };
    });
  }

  /**
   * Under the project's lock, records what an event carries, then recomputes the windows that hold
   * the instant it happened at. `record` answers where it landed (project and instant), or nothing
   * when there is nothing to score (a routing of an item this service never saw).
   */
  private async recordAt(
    envelope: Envelope,
    tx: Transaction,
    projectId: string,
    record: () => Promise<{ projectId: string; at: string } | undefined>,
  ): Promise<Recomputed[]> {
    await this.recomputer.lockProject(tx, envelope.tenantId, projectId);
    const place = await record();
    if (place === undefined) return [];
    const { at } = place;
    return this.recomputer.recomputeTouched(
      tx,
      envelope.tenantId,
      place.projectId,
      { from: at, to: at },
      at,
      { traceId: envelope.traceId },
    );
  }
}

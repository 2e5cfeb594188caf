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
    if (payload.projectId === null) return [];
    await this.recomputer.lockProject(tx, tenantId, payload.projectId);
    await this.inputs.recordFeedback(tx, {
      tenantId,
      feedbackItemId: payload.feedbackItemId,
      projectId: payload.projectId,
      artifactId: payload.artifactId,
      category: payload.category,
      sentiment: payload.sentiment,
      createdAt: payload.createdAt,
    });
    const at = payload.createdAt;
    return this.recomputer.recomputeTouched(
      tx,
      tenantId,
      payload.projectId,
      { from: at, to: at },
      at,
      { traceId: envelope.traceId },
    );
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
    });
    return this.recomputer.recomputeTouched(tx, tenantId, payload.projectId, touched, at, {
      traceId: envelope.traceId,
    });
  }

  /** The dimension an SLO guards is decided as for its feedback: latency-like names → performance. */
  async sloBreached(envelope: Envelope<'SloBreached'>, tx: Transaction): Promise<Recomputed[]> {
    const { payload, tenantId } = envelope;
    await this.recomputer.lockProject(tx, tenantId, payload.projectId);
    await this.inputs.recordSloBreach(tx, {
      tenantId,
      sloId: payload.sloId,
      projectId: payload.projectId,
      errorBudget: payload.errorBudget,
      dimension: sloCategory(payload.name) === 'performance' ? 'performance' : 'reliability',
      breachedAt: payload.breachedAt,
    });
    const at = payload.breachedAt;
    return this.recomputer.recomputeTouched(
      tx,
      tenantId,
      payload.projectId,
      { from: at, to: at },
      at,
      { traceId: envelope.traceId },
    );
  }
}

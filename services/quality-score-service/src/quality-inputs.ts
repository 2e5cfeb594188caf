import {
  type QualityCostAnomalyInput,
  type QualityCheckInput,
  type QualityFeedbackInput,
  type QualityIncidentInput,
  type QualityScoreInputs,
  type QualitySloInput,
  type QualityWindow,
} from '@obs/domain';
import type { ServiceContext, Transaction } from '@obs/service-kit';

/**
 * The inputs of the score, kept in this service's own schema and built only from the events it
 * consumes and the check results posted to it. Every write is keyed by the identity of what it
 * records, so a redelivery (or a DLQ re-drive past the inbox) changes nothing.
 */

export interface FeedbackInputRow {
  readonly tenantId: string;
  readonly feedbackItemId: string;
  readonly projectId: string;
  readonly artifactId: string | null;
  readonly category: string;
  readonly sentiment: string;
  readonly createdAt: string;
  readonly source: string;
  readonly sourceId: string | null;
  /** The event that caused the item (a breach's, an anomaly's), or null: see causeOfFeedback. */
  readonly causeId: string | null;
}

export interface IncidentInputRow {
  readonly tenantId: string;
  readonly incidentId: string;
  readonly projectId: string;
  readonly severity: string;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  /** The SLO breach that opened it (its event id), or null: the incident is its own cause. */
  readonly causeId: string | null;
}

export interface SloBreachInputRow {
  readonly tenantId: string;
  readonly sloId: string;
  readonly projectId: string;
  readonly errorBudget: number;
  readonly dimension: 'reliability' | 'performance';
  readonly breachedAt: string;
  /** The breach's event id: the incident and feedback made of it name it as their cause. */
  readonly causeId: string;
}

export interface CostAnomalyInputRow {
  readonly tenantId: string;
  readonly costSignalId: string;
  readonly category: string;
  readonly projectId: string;
  readonly deltaPct: number;
  readonly detectedAt: string;
  /** The anomaly's event id: its feedback names it as its cause. */
  readonly causeId: string;
}

/** Where a changed feedback status scores: the item's project and creation time. */
export interface FeedbackPlace {
  readonly projectId: string;
  readonly createdAt: string;
}

export interface CheckResultRow {
  readonly checkId: string;
  readonly source: string;
  readonly name: string;
  readonly dimension: string;
  readonly outcome: string;
  readonly completedAt: string;
}

export class QualityInputs {
  constructor(private readonly ctx: ServiceContext) {}

  /** A feedback item is recorded once, captured; FeedbackItemRouted/Applied move its status. */
  async recordFeedback(tx: Transaction, f: FeedbackInputRow): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('feedback_inputs')}
         (tenant_id, feedback_item_id, project_id, artifact_id, category, sentiment, status,
          created_at, source, source_id, cause_id)
       VALUES ($1, $2, $3, $4, $5, $6, 'captured', $7, $8, $9, $10)
       ON CONFLICT (tenant_id, feedback_item_id) DO NOTHING`,
      [
        f.tenantId,
        f.feedbackItemId,
        f.projectId,
        f.artifactId,
        f.category,
        f.sentiment,
        f.createdAt,
        f.source,
        f.sourceId,
        f.causeId,
      ],
    );
  }

  /**
   * Moves an item forward (captured → routed → applied), never back: a redelivered or late
   * FeedbackItemRouted after FeedbackItemApplied changes nothing. Undefined when the item is
   * unknown here (it named no project) or already there.
   */
  async advanceFeedback(
    tx: Transaction,
    tenantId: string,
    feedbackItemId: string,
    status: 'routed' | 'applied',
  ): Promise<FeedbackPlace | undefined> {
    const from = status === 'routed' ? ['captured'] : ['captured', 'routed'];
    // An UPDATE answers [rows, count] through the typeorm postgres driver.
    const [rows] = await tx.manager.query<[{ project_id: string; created_at: Date }[], number]>(
      `UPDATE ${this.ctx.table('feedback_inputs')} SET status = $3
        WHERE tenant_id = $1 AND feedback_item_id = $2 AND status = ANY($4)
        RETURNING project_id, created_at`,
      [tenantId, feedbackItemId, status, from],
    );
    const row = rows[0];
    return row && { projectId: row.project_id, createdAt: row.created_at.toISOString() };
  }

  /** A cost anomaly is recorded once per (signal, category). */
  async recordCostAnomaly(tx: Transaction, a: CostAnomalyInputRow): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('cost_anomaly_inputs')}
         (tenant_id, cost_signal_id, category, project_id, delta_pct, detected_at, cause_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, cost_signal_id, category) DO NOTHING`,
      [a.tenantId, a.costSignalId, a.category, a.projectId, a.deltaPct, a.detectedAt, a.causeId],
    );
  }

  /**
   * Opened and resolved write the same row. A resolution is never undone by a late or
   * redelivered IncidentOpened (COALESCE keeps the resolved_at already known), and an
   * IncidentResolved seen first still carries everything the row needs.
   */
  async recordIncident(tx: Transaction, i: IncidentInputRow): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('incident_inputs')}
         (tenant_id, incident_id, project_id, severity, opened_at, resolved_at, cause_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, incident_id) DO UPDATE
         SET severity = EXCLUDED.severity,
             resolved_at = COALESCE(${this.ctx.table('incident_inputs')}.resolved_at, EXCLUDED.resolved_at),
             cause_id = COALESCE(${this.ctx.table('incident_inputs')}.cause_id, EXCLUDED.cause_id)`,
      [i.tenantId, i.incidentId, i.projectId, i.severity, i.openedAt, i.resolvedAt, i.causeId],
    );
  }

  /** Each breach is its own row: SloBreached is emitted once per breach. */
  async recordSloBreach(tx: Transaction, b: SloBreachInputRow): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('slo_breach_inputs')}
         (tenant_id, slo_id, breached_at, project_id, error_budget, dimension, cause_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, slo_id, breached_at) DO NOTHING`,
      [b.tenantId, b.sloId, b.breachedAt, b.projectId, b.errorBudget, b.dimension, b.causeId],
    );
  }

  /** A check id is one check of the project: posting it again (a re-run) replaces it. */
  async recordCheckResults(
    tx: Transaction,
    tenantId: string,
    projectId: string,
    results: readonly CheckResultRow[],
    receivedAt: string,
  ): Promise<void> {
    for (const r of results) {
      await tx.manager.query(
        `INSERT INTO ${this.ctx.table('check_results')}
           (tenant_id, project_id, check_id, source, name, dimension, outcome, completed_at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, project_id, check_id) DO UPDATE
           SET source = EXCLUDED.source, name = EXCLUDED.name, dimension = EXCLUDED.dimension,
               outcome = EXCLUDED.outcome, completed_at = EXCLUDED.completed_at,
               received_at = EXCLUDED.received_at`,
        [
          tenantId,
          projectId,
          r.checkId,
          r.source,
          r.name,
          r.dimension,
          r.outcome,
          r.completedAt,
          receivedAt,
        ],
      );
    }
  }

  /** Everything the formula needs for (tenant, project, window), read in the caller's tx. */
  async load(
    tx: Transaction,
    tenantId: string,
    projectId: string,
    window: QualityWindow,
  ): Promise<QualityScoreInputs> {
    const args = [tenantId, projectId, window.start, window.end];
    // An incident's feedback speaks of the incident's cause (the breach that opened it, or the
    // incident itself); other feedback of the event that made it (a breach, an anomaly), if any.
    const feedbackRows: FeedbackSqlRow[] = await tx.manager.query(
      `SELECT f.feedback_item_id, f.artifact_id, f.category, f.sentiment, f.status,
              CASE WHEN f.source = 'incident' AND f.source_id IS NOT NULL
                   THEN COALESCE(i.cause_id, 'incident:' || f.source_id)
                   ELSE f.cause_id END AS cause_id
         FROM ${this.ctx.table('feedback_inputs')} f
         LEFT JOIN ${this.ctx.table('incident_inputs')} i
           ON f.source = 'incident' AND i.tenant_id = f.tenant_id AND i.incident_id = f.source_id
        WHERE f.tenant_id = $1 AND f.project_id = $2 AND f.created_at >= $3 AND f.created_at < $4`,
      args,
    );
    // An incident touches the window when it opened before its end and was not resolved before
    // its start; it is open when it was not resolved by the end (the window is half-open).
    const incidentRows: IncidentSqlRow[] = await tx.manager.query(
      `SELECT incident_id, severity, (resolved_at IS NULL OR resolved_at >= $4) AS open,
              COALESCE(cause_id, 'incident:' || incident_id) AS cause_id
         FROM ${this.ctx.table('incident_inputs')}
        WHERE tenant_id = $1 AND project_id = $2 AND opened_at < $4
          AND (resolved_at IS NULL OR resolved_at >= $3)`,
      args,
    );
    // An SLO breached in the window has used its whole budget: one input per SLO, with the
    // error budget and dimension of its latest breach, standing for every breach (cause) of it.
    const sloRows: SloSqlRow[] = await tx.manager.query(
      `SELECT slo_id,
              (array_agg(error_budget ORDER BY breached_at DESC))[1] AS error_budget,
              (array_agg(dimension ORDER BY breached_at DESC))[1] AS dimension,
              array_remove(array_agg(cause_id ORDER BY breached_at), NULL) AS cause_ids
         FROM ${this.ctx.table('slo_breach_inputs')}
        WHERE tenant_id = $1 AND project_id = $2 AND breached_at >= $3 AND breached_at < $4
        GROUP BY slo_id`,
      args,
    );
    const costRows: CostSqlRow[] = await tx.manager.query(
      `SELECT cost_signal_id, category, delta_pct, cause_id
         FROM ${this.ctx.table('cost_anomaly_inputs')}
        WHERE tenant_id = $1 AND project_id = $2 AND detected_at >= $3 AND detected_at < $4`,
      args,
    );
    const checkRows: CheckSqlRow[] = await tx.manager.query(
      `SELECT check_id, dimension, outcome FROM ${this.ctx.table('check_results')}
        WHERE tenant_id = $1 AND project_id = $2 AND completed_at >= $3 AND completed_at < $4`,
      args,
    );
    const feedback: QualityFeedbackInput[] = feedbackRows.map((r) => ({
      feedbackItemId: r.feedback_item_id,
      artifactId: r.artifact_id,
      category: r.category,
      sentiment: r.sentiment,
      status: r.status,
      causeId: r.cause_id,
    }));
    const incidents: QualityIncidentInput[] = incidentRows.map((r) => ({
      incidentId: r.incident_id,
      severity: r.severity,
      open: r.open,
      causeId: r.cause_id,
    }));
    const slos: QualitySloInput[] = sloRows.map((r) => ({
      sloId: r.slo_id,
      errorBudget: r.error_budget,
      budgetRemaining: 0,
      status: 'breached',
      dimension: r.dimension,
      causeIds: r.cause_ids,
    }));
    const costAnomalies: QualityCostAnomalyInput[] = costRows.map((r) => ({
      costSignalId: r.cost_signal_id,
      category: r.category,
      deltaPct: r.delta_pct,
      causeId: r.cause_id,
    }));
    const checks: QualityCheckInput[] = checkRows.map((r) => ({
      checkId: r.check_id,
      dimension: r.dimension,
      outcome: r.outcome,
    }));
    return { tenantId, projectId, window, feedback, incidents, slos, costAnomalies, checks };
  }
}

interface FeedbackSqlRow {
  feedback_item_id: string;
  artifact_id: string | null;
  category: string;
  sentiment: string;
  status: string;
  cause_id: string | null;
}

interface IncidentSqlRow {
  incident_id: string;
  severity: string;
  open: boolean;
  cause_id: string;
}

interface SloSqlRow {
  slo_id: string;
  error_budget: number;
  dimension: 'reliability' | 'performance';
  cause_ids: string[];
}

interface CostSqlRow {
  cost_signal_id: string;
  category: string;
  delta_pct: number;
  cause_id: string;
}

interface CheckSqlRow {
  check_id: string;
  dimension: string;
  outcome: string;
}

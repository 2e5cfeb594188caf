import {
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
}

export interface IncidentInputRow {
  readonly tenantId: string;
  readonly incidentId: string;
  readonly projectId: string;
  readonly severity: string;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
}

export interface SloBreachInputRow {
  readonly tenantId: string;
  readonly sloId: string;
  readonly projectId: string;
  readonly errorBudget: number;
  readonly dimension: 'reliability' | 'performance';
  readonly breachedAt: string;
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

  /** A feedback item is recorded once: FeedbackItemCreated is its only event here. */
  async recordFeedback(tx: Transaction, f: FeedbackInputRow): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('feedback_inputs')}
         (tenant_id, feedback_item_id, project_id, artifact_id, category, sentiment, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'captured', $7)
       ON CONFLICT (tenant_id, feedback_item_id) DO NOTHING`,
      [
        f.tenantId,
        f.feedbackItemId,
        f.projectId,
        f.artifactId,
        f.category,
        f.sentiment,
        f.createdAt,
      ],
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
         (tenant_id, incident_id, project_id, severity, opened_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, incident_id) DO UPDATE
         SET severity = EXCLUDED.severity,
             resolved_at = COALESCE(${this.ctx.table('incident_inputs')}.resolved_at, EXCLUDED.resolved_at)`,
      [i.tenantId, i.incidentId, i.projectId, i.severity, i.openedAt, i.resolvedAt],
    );
  }

  /** Each breach is its own row: SloBreached is emitted once per breach. */
  async recordSloBreach(tx: Transaction, b: SloBreachInputRow): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('slo_breach_inputs')}
         (tenant_id, slo_id, breached_at, project_id, error_budget, dimension)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, slo_id, breached_at) DO NOTHING`,
      [b.tenantId, b.sloId, b.breachedAt, b.projectId, b.errorBudget, b.dimension],
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
    const feedbackRows: FeedbackSqlRow[] = await tx.manager.query(
      `SELECT feedback_item_id, artifact_id, category, sentiment, status
         FROM ${this.ctx.table('feedback_inputs')}
        WHERE tenant_id = $1 AND project_id = $2 AND created_at >= $3 AND created_at < $4`,
      args,
    );
    // An incident touches the window when it opened before its end and was not resolved before
    // its start; it is open when it was not resolved by the end (the window is half-open).
    const incidentRows: IncidentSqlRow[] = await tx.manager.query(
      `SELECT incident_id, severity, (resolved_at IS NULL OR resolved_at >= $4) AS open
         FROM ${this.ctx.table('incident_inputs')}
        WHERE tenant_id = $1 AND project_id = $2 AND opened_at < $4
          AND (resolved_at IS NULL OR resolved_at >= $3)`,
      args,
    );
    // An SLO breached in the window has used its whole budget: one input per SLO, with the
    // error budget of its latest breach.
    const sloRows: SloSqlRow[] = await tx.manager.query(
      `SELECT DISTINCT ON (slo_id) slo_id, error_budget, dimension
         FROM ${this.ctx.table('slo_breach_inputs')}
        WHERE tenant_id = $1 AND project_id = $2 AND breached_at >= $3 AND breached_at < $4
        ORDER BY slo_id, breached_at DESC`,
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
    }));
    const incidents: QualityIncidentInput[] = incidentRows.map((r) => ({
      incidentId: r.incident_id,
      severity: r.severity,
      open: r.open,
    }));
    const slos: QualitySloInput[] = sloRows.map((r) => ({
      sloId: r.slo_id,
      errorBudget: r.error_budget,
      budgetRemaining: 0,
      status: 'breached',
      dimension: r.dimension,
    }));
    const checks: QualityCheckInput[] = checkRows.map((r) => ({
      checkId: r.check_id,
      dimension: r.dimension,
      outcome: r.outcome,
    }));
    return { tenantId, projectId, window, feedback, incidents, slos, checks };
  }
}

interface FeedbackSqlRow {
  feedback_item_id: string;
  artifact_id: string | null;
  category: string;
  sentiment: string;
  status: string;
}

interface IncidentSqlRow {
  incident_id: string;
  severity: string;
  open: boolean;
}

interface SloSqlRow {
  slo_id: string;
  error_budget: number;
  dimension: 'reliability' | 'performance';
}

interface CheckSqlRow {
  check_id: string;
  dimension: string;
  outcome: string;
}

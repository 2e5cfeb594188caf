import {
  QualityScore,
  qualityWindow,
  type ComputationCause,
  type QualityWindow,
} from '@obs/domain';
import type { ServiceContext, Transaction, Versioned } from '@obs/service-kit';
import type { QualityInputs } from './quality-inputs.js';
import type { QualityScoreStore } from './quality-score.repository.js';
import { dayWindowOf, type TouchedSpan } from './windows.js';

/** How many stored windows one signal recomputes at most (newest first): a bound, not a rule. */
export const MAX_WINDOWS_PER_SIGNAL = 100;

export interface Recomputed extends Versioned<QualityScore> {
  /** False when the inputs gave the score already stored (nothing written, nothing emitted). */
  readonly changed: boolean;
}

/**
 * Computes QualityScores from the stored inputs. Every path (the compute route, the consumers,
 * the check results) goes through here, under a per-project advisory lock: a project's inputs
 * and scores are read-modify-write, and the lock makes the last writer see every input committed
 * before it, so concurrent signals cannot leave a stale score behind.
 */
export class ScoreRecomputer {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly inputs: QualityInputs,
    private readonly store: QualityScoreStore,
  ) {}

  async lockProject(tx: Transaction, tenantId: string, projectId: string): Promise<void> {
    await tx.manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `quality:${tenantId.length}:${tenantId}:${projectId}`,
    ]);
  }

  /** Creates or recomputes the score of one window (the caller holds the project lock). */
  async compute(
    tx: Transaction,
    tenantId: string,
    projectId: string,
    window: QualityWindow,
    cause: ComputationCause = {},
  ): Promise<Recomputed> {
    const normalized = qualityWindow(window);
    const inputs = await this.inputs.load(tx, tenantId, projectId, normalized);
    const fresh = QualityScore.create(inputs, cause);
    const loaded = await this.store.loadForUpdate(tx, tenantId, fresh.id);
    if (loaded === undefined) {
      const version = await this.store.save(tx, fresh, 0);
      return { id: fresh.id, aggregate: fresh, version, changed: true };
    }
    // Same inputs: recompute keeps the state and records nothing, so nothing is written.
    if (!loaded.aggregate.recompute(inputs, cause)) return { ...loaded, changed: false };
    const version = await this.store.save(tx, loaded.aggregate, loaded.version);
    return { id: loaded.id, aggregate: loaded.aggregate, version, changed: true };
  }

  /**
   * After a signal: the UTC day window of `anchor` and every stored window of the project the
   * signal's span touches (a window somebody computed by hand is kept up to date as well).
   * The caller holds the project lock, taken before it recorded the signal.
   */
  async recomputeTouched(
    tx: Transaction,
    tenantId: string,
    projectId: string,
    span: TouchedSpan,
    anchor: string,
    cause: ComputationCause = {},
  ): Promise<Recomputed[]> {
    const windows = await this.touchedWindows(tx, tenantId, projectId, span, anchor);
    return this.recomputeAll(tx, tenantId, projectId, windows, cause);
  }

  /** The windows `recomputeTouched` would recompute, keyed `<start>/<end>`. */
  async touchedWindows(
    tx: Transaction,
    tenantId: string,
    projectId: string,
    span: TouchedSpan,
    anchor: string,
  ): Promise<Map<string, QualityWindow>> {
    const stored: { window_start: Date; window_end: Date }[] = await tx.manager.query(
      `SELECT window_start, window_end FROM ${this.ctx.table('quality_scores')}
        WHERE tenant_id = $1 AND project_id = $2 AND window_end > $3
          AND ($4::timestamptz IS NULL OR window_start <= $4)
        ORDER BY window_end DESC, window_start DESC
        LIMIT ${MAX_WINDOWS_PER_SIGNAL}`,
      [tenantId, projectId, span.from, span.to],
    );
    const windows = new Map<string, QualityWindow>();
    const day = dayWindowOf(anchor);
    windows.set(`${day.start}/${day.end}`, day);
    for (const row of stored) {
      const w = { start: row.window_start.toISOString(), end: row.window_end.toISOString() };
      windows.set(`${w.start}/${w.end}`, w);
    }
    return windows;
  }

  /** Recomputes each window once, in start order (the caller holds the project lock). */
  async recomputeAll(
    tx: Transaction,
    tenantId: string,
    projectId: string,
    windows: ReadonlyMap<string, QualityWindow>,
    cause: ComputationCause = {},
  ): Promise<Recomputed[]> {
    const ordered = [...windows.values()].sort(
      (a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end),
    );
    const results: Recomputed[] = [];
    for (const window of ordered)
      results.push(await this.compute(tx, tenantId, projectId, window, cause));
    return results;
  }
}

import {
  sliContributions,
  sliMatchesGroup,
  type SliContribution,
  type WindowSize,
} from '@obs/domain';
import type { PayloadOf } from '@obs/event-envelope';
import type { ServiceContext, Transaction } from '@obs/service-kit';
import { settledBefore, type SloServiceConfig } from './config.js';
import type { SloStore } from './slo-definition.repository.js';
import { observe } from './slo-observation.js';

export type MetricWindow = PayloadOf<'MetricAggregated', 1>;

/**
 * The window size the SLOs count. metric-aggregation-service closes every series in 1m, 5m, 1h
 * and 1d windows; counting one size only keeps each event counted once, and the finest one lets
 * the 5-minute burn window see five windows.
 */
export const SAMPLE_WINDOW: WindowSize = '1m';

export interface WindowOutcome {
  readonly sloId: string;
  readonly status: string;
}

/**
 * Applies one closed metric window to every SLO of the tenant and project that reads the metric:
 * stores the window's good/total contribution (a redelivered or revised window replaces its
 * sample), then re-evaluates the SLO at event time max(lastEvaluatedAt, windowEnd) and saves it
 * with its SloBreached and burn-rate alert events, if any, in the same transaction.
 */
export async function applyMetricWindow(
  ctx: ServiceContext,
  store: SloStore,
  config: SloServiceConfig,
  tx: Transaction,
  tenantId: string,
  window: MetricWindow,
): Promise<WindowOutcome[]> {
  if (window.window !== SAMPLE_WINDOW) return [];
  // Ordered ids: two consumers locking the same SLOs always lock them in the same order.
  const ids = await tx.manager.query<{ id: string }[]>(
    `SELECT id FROM ${ctx.table('slos')}
      WHERE tenant_id = $1 AND project_id = $2 AND metric_names @> ARRAY[$3::text]
      ORDER BY id`,
    [tenantId, window.projectId, window.metricName],
  );
  const outcomes: WindowOutcome[] = [];
  for (const { id } of ids) {
    const loaded = await store.loadForUpdate(tx, tenantId, id);
    if (!loaded) continue;
    const snapshot = loaded.aggregate.toSnapshot();
    if (!sliMatchesGroup(snapshot.indicator, window.group)) continue;
    const parts = sliContributions(snapshot.indicator, window.metricName, window.values);
    if (parts.length === 0) continue;
    const now = ctx.clock();
    await storeSamples(ctx, tx, id, window, parts, now);
    const last = snapshot.lastEvaluatedAt;
    const at =
      last !== null && Date.parse(last) > Date.parse(window.windowEnd) ? last : window.windowEnd;
    const observation = await observe(ctx, tx, snapshot, at, settledBefore(now, config));
    loaded.aggregate.evaluate(observation, at);
    await store.save(tx, loaded.aggregate, loaded.version);
    outcomes.push({ sloId: id, status: loaded.aggregate.status });
  }
  return outcomes;
}

async function storeSamples(
  ctx: ServiceContext,
  tx: Transaction,
  sloId: string,
  window: MetricWindow,
  parts: readonly SliContribution[],
  now: number,
): Promise<void> {
  const receivedAt = new Date(now).toISOString();
  for (const part of parts) {
    // A revision keeps the first received_at: the pairing grace runs from the first arrival.
    await tx.manager.query(
      `INSERT INTO ${ctx.table('slo_samples')}
         (slo_id, role, group_key, window_start, window_end, events, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (slo_id, role, group_key, window_start)
       DO UPDATE SET window_end = EXCLUDED.window_end, events = EXCLUDED.events`,
      [
        sloId,
        part.role,
        window.groupKey,
        window.windowStart,
        window.windowEnd,
        part.events,
        receivedAt,
      ],
    );
  }
}

/** Samples of an SLO, dropped when its indicator or project changes (they counted other events). */
export async function dropSamples(
  ctx: ServiceContext,
  tx: Transaction,
  sloId: string,
): Promise<void> {
  await tx.manager.query(`DELETE FROM ${ctx.table('slo_samples')} WHERE slo_id = $1`, [sloId]);
}

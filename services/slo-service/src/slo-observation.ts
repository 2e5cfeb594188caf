import {
  BURN_ALERT_LOOKBACK_MINUTES,
  BURN_ALERT_WINDOW_MINUTES,
  type SliCounts,
  type SloDefinitionSnapshot,
  type SloObservation,
  type SloObservedWindow,
} from '@obs/domain';
import type { ServiceContext, Transaction } from '@obs/service-kit';

/**
 * Minutes of each burn-rate window: the status read's pairs (1h & 5m, 6h & 30m, docs/design.md#slo)
 * and the ticket alert's 3d (slo-burn-alerts.ts in the domain).
 */
const OBSERVED_WINDOWS = Object.keys(BURN_ALERT_WINDOW_MINUTES) as SloObservedWindow[];

/**
 * How long a ratio minute's total side waits for its good side, by the service clock, before the
 * minute counts with no good events (docs/services/slo.md#pairing-grace). Two minutes: the metric
 * service publishes both sides of a minute within its 30 s grace, so a good side later than that
 * did not come (a delta counter that did not move exports nothing).
 */
export const DEFAULT_PAIRING_GRACE_MS = 2 * 60_000;

type CountsRow = Record<string, string | null>;

function counts(row: CountsRow, suffix: string): SliCounts {
  const total = Math.min(Number(row[`total${suffix}`] ?? 0), Number.MAX_SAFE_INTEGER);
  const good = Math.min(Number(row[`good${suffix}`] ?? 0), total);
  return { good, total };
}

/**
 * The counts of the SLO at event time `at`: its rolling window (at − windowMinutes, at] and the
 * five burn windows, summed over the stored metric windows that ended inside them.
 *
 * - A metric window counts once its total side has arrived and either its good side has too, or
 *   the good metric has already reported a later window (then this one had no good events: a
 *   delta counter that did not move exports no point, and a minute in which nothing succeeded
 *   must burn the budget). The two sides travel on different Kafka keys, so waiting for the good
 *   series to move past the window, rather than for a time, never mistakes a good side that is
 *   merely behind for a missing one. A good side alone never counts; good is capped at total.
 *   "Never wait for data that may not come": a total side received (service clock) at or before
 *   `settledBefore` counts with no good events when its good side has still not arrived, so a
 *   burn whose good counter went silent (nothing succeeds any more) is counted, and announced.
 *   A good side that arrives later still adds to its minute at the next evaluation.
 * - A metric window that overlaps a maintenance window is left out entirely.
 * - The burn windows look back from `at` whatever the SLO's window length.
 */
export async function observe(
  ctx: ServiceContext,
  tx: Transaction,
  slo: Pick<SloDefinitionSnapshot, 'sloId' | 'windowMinutes' | 'maintenanceWindows'>,
  at: string,
  settledBefore: number | null = null,
): Promise<SloObservation> {
  const lookback = Math.max(slo.windowMinutes, BURN_ALERT_LOOKBACK_MINUTES);
  const burnColumns = OBSERVED_WINDOWS.map((name) => {
    const since = `$2::timestamptz - make_interval(mins => ${BURN_ALERT_WINDOW_MINUTES[name]})`;
    return `sum(good) FILTER (WHERE window_end > ${since})::text AS "good_${name}",
            sum(total) FILTER (WHERE window_end > ${since})::text AS "total_${name}"`;
  }).join(',\n');
  const [row] = await tx.manager.query<CountsRow[]>(
    `WITH per_window AS (
       SELECT s.window_end,
              least(coalesce(sum(s.events) FILTER (WHERE s.role = 'good'), 0),
                    sum(s.events) FILTER (WHERE s.role = 'total')) AS good,
              sum(s.events) FILTER (WHERE s.role = 'total') AS total
         FROM ${ctx.table('slo_samples')} s
        WHERE s.slo_id = $1
          AND s.window_end > $2::timestamptz - make_interval(mins => $4::integer)
          AND s.window_end <= $2::timestamptz
          AND NOT EXISTS (
                SELECT 1 FROM unnest($5::float8[], $6::float8[]) AS m(starts_ms, ends_ms)
                 WHERE extract(epoch FROM s.window_start) * 1000 < m.ends_ms
                   AND extract(epoch FROM s.window_end) * 1000 > m.starts_ms)
        GROUP BY s.window_start, s.window_end
       HAVING bool_or(s.role = 'total')
          AND (bool_or(s.role = 'good')
               OR EXISTS (SELECT 1 FROM ${ctx.table('slo_samples')} g
                           WHERE g.slo_id = $1 AND g.role = 'good'
                             AND g.window_start > s.window_start)
               OR ($7::timestamptz IS NOT NULL
                   AND bool_and(s.role <> 'total' OR coalesce(s.received_at, '-infinity') <= $7::timestamptz))))
     SELECT sum(good) FILTER (WHERE window_end > $2::timestamptz - make_interval(mins => $3::integer))::text AS good,
            sum(total) FILTER (WHERE window_end > $2::timestamptz - make_interval(mins => $3::integer))::text AS total,
            ${burnColumns}
       FROM per_window`,
    [
      slo.sloId,
      at,
      slo.windowMinutes,
      lookback,
      slo.maintenanceWindows.map((w) => Date.parse(w.start)),
      slo.maintenanceWindows.map((w) => Date.parse(w.end)),
      settledBefore === null ? null : new Date(settledBefore).toISOString(),
    ],
  );
  const result = row ?? {};
  const burnWindows: Partial<Record<SloObservedWindow, SliCounts>> = {};
  for (const name of OBSERVED_WINDOWS) burnWindows[name] = counts(result, `_${name}`);
  return { window: counts(result, ''), burnWindows };
}

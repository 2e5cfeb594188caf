import {
  CostSignal,
  costLinesFromInput,
  detectAnomalies,
  type AnomalyOptions,
  type CostCategory,
  type CreateCostSignalInput,
} from '@obs/domain';
import { HttpProblem, type ServiceContext, type Transaction } from '@obs/service-kit';
import { anomalyOptionsOf, type CostServiceConfig } from './config.js';
import type { CostSignalStore } from './cost-signal.repository.js';
import { microsOf } from './money.js';
import { PERIOD_KINDS, dayKey, periodStartOf } from './periods.js';
import {
  recomputeTargets,
  signalIdFor,
  signalInputFor,
  sumsWindow,
  type PeriodSums,
  type SignalScope,
} from './signal-inputs.js';

interface SumRow {
  period_start: string;
  category: CostCategory;
  amount: string;
}

/** A period sum beyond what the domain's Money holds (≈ 9 billion units) is refused, not wrapped. */
function periodMicros(amount: string): number {
  try {
    return microsOf(amount);
  } catch {
    throw new HttpProblem(
      422,
      'money.invalid_amount',
      'Unprocessable Content',
      `a period total of ${amount} exceeds the largest amount a cost signal holds (9007199254.740991)`,
    );
  }
}

/**
 * Recomputes a project's CostSignals inside the ingest transaction (the caller holds the
 * project's advisory lock): each signal is a pure function of the daily rollup, so the same
 * lines always store the same signal, and a recomputation that changes nothing writes nothing
 * and publishes nothing.
 */
export class SignalRecomputer {
  private readonly options: AnomalyOptions;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly store: CostSignalStore,
    private readonly config: CostServiceConfig,
  ) {
    this.options = anomalyOptionsOf(config);
  }

  /** Recomputes what lines on `days` (UTC day starts, ms) affect; returns the ids it changed. */
  async recompute(
    tx: Transaction,
    scope: Omit<SignalScope, 'kind'>,
    days: readonly number[],
  ): Promise<string[]> {
    const changed: string[] = [];
    for (const kind of PERIOD_KINDS) {
      const n = kind === 'day' ? this.config.baselineDays : this.config.baselineMonths;
      const touched = [...new Set(days.map((day) => periodStartOf(kind, day)))];
      const targets = recomputeTargets(kind, touched, n);
      const sums = await this.periodSums(tx, { ...scope, kind }, sumsWindow(kind, targets, n));
      for (const start of targets) {
        const input = signalInputFor({ ...scope, kind }, start, sums, n, this.options);
        if (input === undefined) continue;
        if (await this.upsert(tx, { ...input, contributors: await this.contributors(tx, input) }))
          changed.push(signalIdFor({ ...scope, kind }, start));
      }
    }
    return changed;
  }

  /** Creates or recomputes one signal; true when something was written. */
  private async upsert(tx: Transaction, input: CreateCostSignalInput): Promise<boolean> {
    const signal = CostSignal.create(input);
    const loaded = await this.store.loadForUpdate(tx, input.tenantId, signal.id);
    if (loaded === undefined) {
      await this.store.save(tx, signal, 0);
      return true;
    }
    // Same inputs: recompute changes nothing and records nothing (no write, no event).
    if (!loaded.aggregate.recompute(input)) return false;
    await this.store.save(tx, loaded.aggregate, loaded.version);
    return true;
  }

  private async periodSums(
    tx: Transaction,
    scope: SignalScope,
    window: { from: number; to: number },
  ): Promise<PeriodSums> {
    const rows: SumRow[] = await tx.manager.query(
      `SELECT to_char(date_trunc($1, day::timestamp), 'YYYY-MM-DD') AS period_start,
              category, SUM(amount)::text AS amount
         FROM ${this.ctx.table('cost_daily_totals')}
        WHERE tenant_id = $2 AND project_id = $3 AND day >= $4::date AND day < $5::date
        GROUP BY 1, 2`,
      [scope.kind, scope.tenantId, scope.projectId, dayKey(window.from), dayKey(window.to)],
    );
    const sums = new Map<number, Map<CostCategory, number>>();
    for (const row of rows) {
      const start = Date.parse(`${row.period_start}T00:00:00.000Z`);
      const period = sums.get(start) ?? new Map<CostCategory, number>();
      period.set(row.category, periodMicros(row.amount));
      sums.set(start, period);
    }
    return sums;
  }

  /**
   * For the categories the domain will flag, the traces that cost the most in the period
   * (summed over their lines; ties by traceId), largest first. Unflagged categories need none,
   * which keeps the common path to the sums alone.
   */
  private async contributors(
    tx: Transaction,
    input: CreateCostSignalInput,
  ): Promise<Partial<Record<CostCategory, string[]>>> {
    const flagged = detectAnomalies(
      costLinesFromInput(input.breakdown, input.currency),
      input.trailing?.map((p) => costLinesFromInput(p.breakdown, input.currency)) ?? [],
      input.anomalyOptions,
    );
    const result: Partial<Record<CostCategory, string[]>> = {};
    for (const { category } of flagged) {
      const rows: { trace_id: string }[] = await tx.manager.query(
        `SELECT trace_id FROM ${this.ctx.table('cost_lines')}
          WHERE tenant_id = $1 AND project_id = $2 AND category = $3
            AND occurred_at >= $4 AND occurred_at < $5 AND trace_id IS NOT NULL
          GROUP BY trace_id
          ORDER BY SUM(amount) DESC, trace_id ASC
          LIMIT 10`,
        [input.tenantId, input.projectId, category, input.period.start, input.period.end],
      );
      result[category] = rows.map((r) => r.trace_id);
    }
    return result;
  }
}

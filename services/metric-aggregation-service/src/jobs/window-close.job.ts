import { WINDOWS, windowContaining, type WindowSize } from '@obs/domain';
import {
  startConsumerSpan,
  type JobDefinition,
  type ServiceContext,
  type Transaction,
} from '@obs/service-kit';
import type { MetricServiceConfig } from '../config.js';
import {
  dueTenants,
  hasDueWindows,
  lockDueWindows,
  markClosed,
  toMetricSeries,
  type MetricWindowRow,
} from '../metric-window.repository.js';
import {
  addToWindowRows,
  foldWindowParts,
  lockTenantWindows,
  lockWindowRows,
  windowIdOf,
  type StreamRef,
  type WindowTarget,
} from '../window-rows.js';
import {
  emptyWindowState,
  loadWindowState,
  mergeWindowState,
  type WindowState,
} from '../window/window-state.js';

/** Windows closed per transaction; a run continues batch after batch up to MAX_BATCHES. */
const BATCH = 200;
const MAX_BATCHES = 100;
const PARENT_SIZES: readonly WindowSize[] = WINDOWS.filter((size) => size !== '1m');

export interface CloseResult {
  readonly closed: number;
}

/**
 * Closes windows on an event-time watermark and emits MetricAggregated for each, in the same
 * transaction as the close (outbox). A tenant's watermark is the newest point timestamp it sent,
 * or the clock minus the idle timeout when that is later (so a tenant that went quiet still gets
 * its last windows). A window closes once the watermark reaches its end plus grace; the event's
 * time is exactly end + grace, so closing is a pure function of the data, whenever the job runs.
 *
 * Sizes close in order, 1m first: a closing minute is merged into its 5m, 1h and 1d windows
 * (created open when it is their first), so a coarser window is exactly the merge of its
 * minutes' sketches when it closes in turn (it ends no earlier than its last minute). Each tenant
 * is closed under its exclusive advisory lock, so no ingest is adding to a window meanwhile.
 */
export class WindowCloser {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: MetricServiceConfig,
  ) {}

  /** Single active: one closer keeps each series' events in window order in the outbox. */
  asJob(): JobDefinition {
    return {
      name: 'window-close',
      intervalMs: this.config.closeIntervalMs,
      singleActive: true,
      run: async () => {
        await this.closeDue();
      },
    };
  }

  async closeDue(): Promise<CloseResult> {
    const idleWatermark = new Date(this.ctx.clock() - this.config.idleCloseMs);
    const table = (name: string) => this.ctx.table(name);
    const tenants = await dueTenants(
      this.ctx.dataSource.manager,
      table,
      idleWatermark,
      this.config.graceMs,
    );
    let closed = 0;
    let batches = 0;
    await this.compactQuietTenants(tenants.map((t) => t.tenantId));
    for (const { tenantId, watermark } of tenants) {
      for (const size of WINDOWS) {
        // The 1m pass always runs (it folds the tenant's parts); a coarser size only when one of
        // its windows is due: a transaction under the tenant's exclusive lock per empty size made
        // a run over many tenants long enough to delay the windows of the quiet ones.
        if (size !== '1m' && !(await this.anyDue(tenantId, size, watermark))) continue;
        for (;;) {
          if (batches >= MAX_BATCHES) return { closed };
          batches += 1;
          const n = await this.closeBatch(tenantId, size, watermark);
          closed += n;
          if (n < BATCH) break;
        }
      }
    }
    return { closed };
  }

  private anyDue(tenantId: string, size: WindowSize, watermark: Date): Promise<boolean> {
    const table = (name: string) => this.ctx.table(name);
    return hasDueWindows(
      this.ctx.dataSource.manager,
      table,
      tenantId,
      size,
      watermark,
      this.config.graceMs,
    );
  }

  /** Tenants with parts but nothing due this run get their parts folded too. */
  private async compactQuietTenants(due: readonly string[]): Promise<void> {
    const rows: { tenant_id: string }[] = await this.ctx.dataSource.query(
      `SELECT DISTINCT tenant_id FROM ${this.ctx.table('window_parts')} WHERE NOT (tenant_id = ANY($1::text[]))`,
      [due],
    );
    for (const { tenant_id: tenantId } of rows) {
      const { span, context } = startConsumerSpan('compact metric windows', {});
      try {
        await this.ctx.uow.run({ context }, async (tx) => {
          await lockTenantWindows(tx, tenantId, 'exclusive');
          await this.foldOpenMinutes(tx, tenantId);
        });
      } finally {
        span.end();
      }
    }
  }

  private async closeBatch(tenantId: string, size: WindowSize, watermark: Date): Promise<number> {
    const { span, context } = startConsumerSpan('close metric windows', {});
    try {
      return await this.ctx.uow.run({ context }, async (tx) => {
        await lockTenantWindows(tx, tenantId, 'exclusive');
        if (size === '1m') await this.foldOpenMinutes(tx, tenantId);
        const rows = await lockDueWindows(
          tx,
          (name) => this.ctx.table(name),
          tenantId,
          size,
          watermark,
          this.config.graceMs,
          BATCH,
        );
        for (const row of rows) {
          const series = toMetricSeries(row, this.config.exemplars);
          const closesAt = new Date(row.windowEnd.getTime() + this.config.graceMs).toISOString();
          series.close(closesAt, this.config.graceMs);
          const version = row.version + 1;
          await markClosed(tx, row, closesAt, version);
          await tx.publish(series.pullEvents(), version);
        }
        if (size === '1m') await this.rollUp(tx, rows);
        return rows.length;
      });
    } finally {
      span.end();
    }
  }

  /**
   * Folds every part of the tenant's minutes into their rows (ingest appends parts; this keeps
   * them few, and a minute is whole before it closes).
   */
  private async foldOpenMinutes(tx: Transaction, tenantId: string): Promise<void> {
    const parts = this.ctx.table('window_parts');
    const ids: { window_id: string }[] = await tx.manager.query(
      `SELECT DISTINCT window_id FROM ${parts} WHERE tenant_id = $1`,
      [tenantId],
    );
    await foldWindowParts(
      tx,
      { windows: this.ctx.table('windows'), parts },
      ids.map((r) => r.window_id),
      this.config.exemplars,
    );
  }

  /** Merges closed minutes into their 5m, 1h and 1d windows. */
  private async rollUp(tx: Transaction, minutes: readonly MetricWindowRow[]): Promise<void> {
    const targets = new Map<string, WindowTarget>();
    const deltas = new Map<string, WindowState>();
    const n = this.config.exemplars;
    for (const minute of minutes) {
      if (Number(minute.count) === 0) continue;
      const stream: StreamRef = {
        id: minute.streamId,
        tenantId: minute.tenantId,
        projectId: minute.projectId,
        metricName: minute.metricName,
        unit: minute.unit,
        groupKey: minute.groupKey,
        group: minute.groupValues,
      };
      const state = loadWindowState(Number(minute.count), minute.state);
      for (const size of PARENT_SIZES) {
        const window = windowContaining(size, minute.windowStart.getTime());
        const id = windowIdOf(stream, size, window.start);
        if (!targets.has(id)) {
          targets.set(id, { id, stream, size, start: window.start, end: window.end });
          deltas.set(id, emptyWindowState());
        }
        mergeWindowState(deltas.get(id) as WindowState, state, n);
      }
    }
    if (targets.size === 0) return;
    const table = this.ctx.table('windows');
    const locked = await lockWindowRows(tx, table, [...targets.values()]);
    for (const [id, row] of locked) {
      // A closed parent cannot receive a minute: ingest refuses points under a closed parent.
      if (row.status === 'closed') throw new Error(`window ${id} closed before its minutes`);
    }
    await addToWindowRows(tx, table, deltas, locked, n);
  }
}

import type { EscalationStep } from '@obs/domain';
import { startConsumerSpan, type ServiceContext } from '@obs/service-kit';
import type { IncidentRepository } from '../incident.repository.js';

export interface Escalation {
  readonly incidentId: string;
  readonly tenantId: string;
  readonly steps: readonly EscalationStep[];
}

export interface TickResult {
  readonly escalations: readonly Escalation[];
  /** Incidents whose escalation failed this tick (logged; retried on the next tick). */
  readonly failed: readonly string[];
}

/** A tick stops after this many incidents so one tick never runs unbounded; the next continues. */
const MAX_INCIDENTS_PER_TICK = 500;

interface DueRow {
  id: string;
  tenant_id: string;
}

/**
 * Escalates unacknowledged incidents step by step. Time is `ctx.clock()`, so tests advance the
 * clock and call `tick()` instead of sleeping; in production `start()` ticks on an interval.
 *
 * Each incident is escalated in its own transaction, picked with `FOR UPDATE SKIP LOCKED`: two
 * instances (or an instance and a command on the same incident) never escalate one step twice,
 * and one broken incident does not hold back the others.
 */
export class EscalationScheduler {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<TickResult> | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repository: IncidentRepository,
  ) {}

  /** Ticks every `intervalMs` (0 = never); a tick still running makes the next one skip. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.inFlight !== undefined) return;
      this.inFlight = this.tick()
        .catch((err: unknown) => {
          this.ctx.logger.error({ err }, 'escalation tick failed');
          return { escalations: [], failed: [] };
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }, intervalMs);
    // The interval alone must not keep the process alive after close.
    this.timer.unref();
  }

  /** Stops the interval and waits for a tick in progress, before the database closes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Escalates every incident with a step due at `ctx.clock()`, across tenants. */
  async tick(): Promise<TickResult> {
    const now = new Date(this.ctx.clock()).toISOString();
    const escalations: Escalation[] = [];
    const failed: string[] = [];
    for (let n = 0; n < MAX_INCIDENTS_PER_TICK; n += 1) {
      let picked: DueRow | undefined;
      try {
        const escalation = await this.escalateNext(now, failed, (row) => {
          picked = row;
        });
        if (escalation === undefined) break;
        escalations.push(escalation);
      } catch (err) {
        if (picked === undefined) throw err;
        // Rolled back; skip it for the rest of this tick so the others still escalate.
        failed.push(picked.id);
        this.ctx.logger.error(
          { err, incidentId: picked.id, tenantId: picked.tenant_id },
          'incident escalation failed',
        );
      }
    }
    return { escalations, failed };
  }

  private async escalateNext(
    now: string,
    skip: readonly string[],
    onPicked: (row: DueRow) => void,
  ): Promise<Escalation | undefined> {
    const { span, context } = startConsumerSpan('escalate incident', {});
    try {
      return await this.ctx.uow.run({ context }, async (tx) => {
        const rows: DueRow[] = await tx.manager.query(
          `SELECT id, tenant_id FROM incident.incidents
            WHERE next_escalation_at <= $1 AND status = 'open' AND NOT (id = ANY($2::uuid[]))
            ORDER BY next_escalation_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED`,
          [now, skip],
        );
        const row = rows[0];
        if (row === undefined) return undefined;
        onPicked(row);
        const loaded = await this.repository.load(row.tenant_id, row.id, tx);
        if (loaded === undefined) throw new Error(`incident ${row.id} vanished while locked`);
        const steps = loaded.incident.escalateDue(now);
        const version = await this.repository.save(tx, loaded.incident, loaded.version);
        await tx.publish(loaded.incident.pullEvents(), version);
        for (const step of steps) {
          this.ctx.logger.info(
            { incidentId: row.id, tenantId: row.tenant_id, level: step.level, target: step.target },
            'incident escalated',
          );
        }
        return { incidentId: row.id, tenantId: row.tenant_id, steps };
      });
    } finally {
      span.end();
    }
  }
}

import type { EscalationStep } from '@obs/domain';
import { startConsumerSpan, type JobDefinition, type ServiceContext } from '@obs/service-kit';
import type { IncidentStore } from '../incident.repository.js';
import { onCallLookup } from '../on-call.queries.js';

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
 * clock and call `tick()` instead of sleeping; in production the service's `escalation` job ticks.
 *
 * Each incident is escalated in its own transaction, picked with `FOR UPDATE SKIP LOCKED`: two
 * instances (or an instance and a command on the same incident) never escalate one step twice,
 * and one broken incident does not hold back the others.
 */
export class EscalationScheduler {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly store: IncidentStore,
  ) {}

  /** The scheduler as a kit job; SKIP LOCKED makes several active instances safe. */
  asJob(intervalMs: number): JobDefinition {
    return {
      name: 'escalation',
      intervalMs,
      singleActive: false,
      run: async () => {
        await this.tick();
      },
    };
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
          `SELECT id, tenant_id FROM ${this.ctx.table('incidents')}
            WHERE next_escalation_at <= $1 AND status = 'open' AND NOT (id = ANY($2::uuid[]))
            ORDER BY next_escalation_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED`,
          [now, skip],
        );
        const row = rows[0];
        if (row === undefined) return undefined;
        onPicked(row);
        const loaded = await this.store.loadForUpdate(tx, row.tenant_id, row.id);
        if (loaded === undefined) throw new Error(`incident ${row.id} vanished while locked`);
        // Policy steps page whoever their schedules put on call at the tick's instant.
        const onCall = await onCallLookup(
          tx.manager,
          row.tenant_id,
          loaded.aggregate.pendingScheduleIds(),
        );
        const steps = loaded.aggregate.escalateDue(now, onCall);
        await this.store.save(tx, loaded.aggregate, loaded.version);
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

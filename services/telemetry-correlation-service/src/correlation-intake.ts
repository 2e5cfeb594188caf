import { TelemetryCorrelation } from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import type { CorrelationFact } from './correlation-facts.js';
import type { CorrelationStore } from './telemetry-correlation.repository.js';

/**
 * Upserts one correlation per (tenant, traceId) from the facts of a consumed event, inside the
 * consumer's transaction next to its inbox row (so a redelivery is a no-op). Each row is locked
 * for update, so two consumers merging into the same trace serialise instead of losing a link;
 * two inserting it at once clash on the primary key, and the kit retries the loser, which then
 * finds the row and merges into it.
 */
export class CorrelationIntake {
  constructor(private readonly store: CorrelationStore) {}

  async apply(tx: Transaction, facts: readonly CorrelationFact[]): Promise<void> {
    for (const fact of facts) {
      const held = await this.store.loadForUpdate(tx, fact.tenantId, fact.traceId);
      const correlation = TelemetryCorrelation.upsert(held?.aggregate ?? null, fact);
      // The snapshots the aggregate records stay internal: nothing is published
      // (docs/services/telemetry-correlation.md, "Events").
      correlation.pullEvents();
      await this.store.save(tx, correlation, held?.version ?? 0);
    }
  }
}

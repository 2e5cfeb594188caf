import type { DataSource } from 'typeorm';
import { CorrelationEntity, toSnapshot } from './telemetry-correlation.repository.js';
import { viewOfSnapshot, type CorrelationView } from './telemetry-correlation.view.js';

/** Read models: plain queries over the table, always within the caller's tenant. */
export async function findCorrelation(
  dataSource: DataSource,
  tenantId: string,
  traceId: string,
): Promise<CorrelationView | undefined> {
  const row = await dataSource
    .getRepository(CorrelationEntity)
    .findOneBy({ id: traceId, tenantId });
  return row ? viewOfSnapshot(toSnapshot(row), row.version) : undefined;
}

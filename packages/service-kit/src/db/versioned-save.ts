import type { EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { HttpProblem } from '../problem.js';

export interface VersionedRow extends ObjectLiteral {
  id: string;
  tenantId: string;
  version: number;
}

/**
 * Optimistic concurrency at the row: a new aggregate (expectedVersion 0) is inserted; an existing
 * one is updated only where it is still at `expectedVersion`, so a concurrent writer that got
 * there first turns this save into a 409 instead of a lost update.
 */
export async function saveVersioned<T extends VersionedRow>(
  manager: EntityManager,
  entity: EntitySchema<T>,
  row: T,
  expectedVersion: number,
): Promise<void> {
  const repository = manager.getRepository(entity);
  if (expectedVersion === 0) {
    await repository.insert(row);
    return;
  }
  const { id, tenantId } = row;
  const result = await repository
    .createQueryBuilder()
    .update()
    .set(row)
    .where('id = :id AND tenant_id = :tenantId AND version = :expectedVersion', {
      id,
      tenantId,
      expectedVersion,
    })
    .execute();
  if (result.affected === 0) {
    throw new HttpProblem(
      409,
      'version_conflict',
      'Conflict',
      `the resource changed since version ${expectedVersion}`,
    );
  }
}

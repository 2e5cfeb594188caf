import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { Transaction } from '../db/unit-of-work.js';
import { canonicalJson } from '../http/canonical-json.js';
import { HttpProblem } from '../problem.js';

/** What a request meant (its validated body, plus anything derived from the caller), hashed. */
export function requestHash(meaning: unknown): string {
  return createHash('sha256').update(canonicalJson(meaning)).digest('hex');
}

/** The `Idempotency-Key` header of a create route, documented so clients send a usable one. */
export const idempotencyKeyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/)
    .optional()
    .describe(
      'A client-chosen key (1-255 visible ASCII characters) that makes a retry safe: the same key and body answer the first result again',
    ),
});

export const keyReused = (): HttpProblem =>
  new HttpProblem(
    422,
    'idempotency_key_reused',
    'Unprocessable Content',
    'this Idempotency-Key was already used with a different request body',
  );

/** The first answer to a key, replayed to a retry. */
export interface Replay {
  readonly resourceId: string;
  readonly response: Record<string, unknown>;
}

interface StoredKey {
  readonly request_hash: string;
  readonly resource_id: string | null;
  readonly response: Record<string, unknown> | null;
  readonly expires_at: Date;
}

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) for any create route, kept in the
 * service's own `idempotent_requests` table (a kit migration). The first request with a key
 * creates and stores its answer in the same transaction; a retry with the same key and meaning
 * gets that answer again and creates nothing; the same key with another meaning is a client bug
 * (422 `idempotency_key_reused`, the draft's choice). Keys are per tenant and per operation, and
 * are forgotten once expired (the kit's `idempotency-purge` job deletes them).
 */
export class IdempotencyKeys {
  /** `table` is the service's `"<schema>"."idempotent_requests"` (ctx.table). */
  constructor(private readonly table: string) {}

  /**
   * Claims `key` inside `tx`: undefined when the claim is new (go on and create, then
   * `complete`), or the first answer when the key was used before with the same meaning. A
   * concurrent first request holds its row until it commits; PostgreSQL makes this INSERT wait
   * for it, so a retry sees the first answer instead of racing it.
   */
  async claim(
    tx: Transaction,
    claim: {
      readonly tenantId: string;
      readonly operation: string;
      readonly key: string;
      readonly hash: string;
      readonly at: Date;
      readonly ttlHours: number;
    },
  ): Promise<Replay | undefined> {
    const { tenantId, operation, key, hash, at } = claim;
    const expiresAt = new Date(at.getTime() + claim.ttlHours * 3_600_000);
    const claimed = await tx.manager.query<unknown[]>(
      `INSERT INTO ${this.table} (tenant_id, operation, key, request_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, operation, key) DO NOTHING
       RETURNING key`,
      [tenantId, operation, key, hash, at, expiresAt],
    );
    if (claimed.length > 0) return undefined;
    const [existing] = await tx.manager.query<StoredKey[]>(
      `SELECT request_hash, resource_id, response, expires_at FROM ${this.table}
       WHERE tenant_id = $1 AND operation = $2 AND key = $3 FOR UPDATE`,
      [tenantId, operation, key],
    );
    if (!existing || existing.resource_id === null || existing.response === null) {
      throw new Error('idempotency key row without its answer'); // written in one transaction
    }
    if (existing.expires_at.getTime() <= at.getTime()) {
      // Forgotten in all but name (the purge has not run yet): the key starts afresh.
      await tx.manager.query(
        `UPDATE ${this.table} SET request_hash = $4, created_at = $5, expires_at = $6,
         resource_id = NULL, response = NULL
         WHERE tenant_id = $1 AND operation = $2 AND key = $3`,
        [tenantId, operation, key, hash, at, expiresAt],
      );
      return undefined;
    }
    if (existing.request_hash !== hash) throw keyReused();
    return { resourceId: existing.resource_id, response: existing.response };
  }

  /** Stores the first answer, in the transaction that created the resource. */
  async complete(
    tx: Transaction,
    claim: { readonly tenantId: string; readonly operation: string; readonly key: string },
    resourceId: string,
    response: unknown,
  ): Promise<void> {
    await tx.manager.query(
      `UPDATE ${this.table} SET resource_id = $4, response = $5
       WHERE tenant_id = $1 AND operation = $2 AND key = $3`,
      [claim.tenantId, claim.operation, claim.key, resourceId, JSON.stringify(response)],
    );
  }

  /** Forgets expired keys; returns how many. */
  async purge(dataSource: DataSource, now: Date): Promise<number> {
    const rows = await dataSource.query<unknown[]>(
      `DELETE FROM ${this.table} WHERE expires_at <= $1 RETURNING key`,
      [now],
    );
    return rows.length;
  }
}

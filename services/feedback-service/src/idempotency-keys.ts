import { createHash } from 'node:crypto';
import { HttpProblem, type Transaction } from '@obs/service-kit';
import type { DataSource } from 'typeorm';

/** JSON with sorted keys, so two bodies that mean the same hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What the request meant: its validated body and who it claims to be from (the source). */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

export const keyReused = (): HttpProblem =>
  new HttpProblem(
    422,
    'idempotency_key_reused',
    'Unprocessable Content',
    'this Idempotency-Key was already used with a different request body',
  );

interface StoredKey {
  readonly request_hash: string;
  readonly feedback_item_id: string | null;
  readonly response: Record<string, unknown> | null;
  readonly created_at: Date;
}

export interface Replay {
  readonly feedbackItemId: string;
  readonly response: Record<string, unknown>;
}

/**
 * `Idempotency-Key` for POST /v1/feedback (draft-ietf-httpapi-idempotency-key-header): the first
 * request with a key creates the item and stores its answer; a retry with the same key and the
 * same body gets that first answer again (201, same body, `Idempotent-Replayed: true`) and creates
 * nothing. The same key with a different body is a client bug: 422 `idempotency_key_reused`
 * (the draft's choice). Keys are per tenant and are forgotten after FEEDBACK_IDEMPOTENCY_TTL_HOURS.
 */
export class IdempotencyKeys {
  /** `table` is the service's `"feedback"."idempotency_keys"` (ctx.table). */
  constructor(
    private readonly table: string,
    private readonly ttlHours: number,
  ) {}

  /**
   * Claims `key` for this request inside `tx`. Returns undefined when the claim is new (go on and
   * create, then `complete`), or the first answer when the key was used before with the same
   * body. A concurrent first request with the same key holds its row until it commits; Postgres
   * makes this INSERT wait for it, so a retry sees the first answer instead of racing it.
   */
  async claim(
    tx: Transaction,
    tenantId: string,
    key: string,
    hash: string,
    at: Date,
  ): Promise<Replay | undefined> {
    const claimed = await tx.manager.query<unknown[]>(
      `INSERT INTO ${this.table} (tenant_id, key, request_hash, created_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key`,
      [tenantId, key, hash, at],
    );
    if (claimed.length > 0) return undefined;
    const [existing] = await tx.manager.query<StoredKey[]>(
      `SELECT request_hash, feedback_item_id, response, created_at FROM ${this.table}
       WHERE tenant_id = $1 AND key = $2 FOR UPDATE`,
      [tenantId, key],
    );
    const cutoff = at.getTime() - this.ttlHours * 3_600_000;
    if (!existing || existing.feedback_item_id === null || existing.response === null) {
      throw new Error('idempotency key row without its answer'); // written in one transaction
    }
    if (existing.created_at.getTime() < cutoff) {
      // Forgotten in all but name (the purge has not run yet): the key starts afresh.
      await tx.manager.query(
        `UPDATE ${this.table} SET request_hash = $3, created_at = $4, feedback_item_id = NULL,
         response = NULL WHERE tenant_id = $1 AND key = $2`,
        [tenantId, key, hash, at],
      );
      return undefined;
    }
    if (existing.request_hash !== hash) throw keyReused();
    return { feedbackItemId: existing.feedback_item_id, response: existing.response };
  }

  /** Stores the first answer, in the transaction that created the item. */
  async complete(
    tx: Transaction,
    tenantId: string,
    key: string,
    feedbackItemId: string,
    response: Record<string, unknown>,
  ): Promise<void> {
    await tx.manager.query(
      `UPDATE ${this.table} SET feedback_item_id = $3, response = $4 WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key, feedbackItemId, JSON.stringify(response)],
    );
  }

  /** Forgets keys older than the TTL. */
  async purge(dataSource: DataSource, now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.ttlHours * 3_600_000);
    const rows = await dataSource.query<unknown[]>(
      `DELETE FROM ${this.table} WHERE created_at < $1 RETURNING key`,
      [cutoff],
    );
    return rows.length;
  }
}

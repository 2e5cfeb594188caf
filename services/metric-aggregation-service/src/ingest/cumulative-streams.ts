import type { Transaction } from '@obs/service-kit';
import type { CumulativePoint, CumulativeState } from './cumulative.js';

interface CumulativeRow {
  stream_id: string;
  start_time_unix_nano: string | null;
  time_unix_nano: string | null;
  state: CumulativeState | null;
}

/**
 * The last cumulative point of each stream (`cumulative_streams`), read and written inside the
 * ingest transaction so a crash can neither lose a delta nor count one twice. Both cumulative
 * paths use it: OTLP cumulative points (the producer's totals → deltas) and span metrics (the
 * deltas of each assembly → totals for Prometheus).
 */
export class CumulativeStreams {
  constructor(private readonly table: string) {}

  /**
   * Locks the streams' rows (in id order, so concurrent batches never deadlock) and answers the
   * last point of each; undefined for a stream with none yet. A placeholder row is inserted first,
   * so a second batch of a new stream waits on this one instead of also taking it as new.
   */
  async lock(
    tx: Transaction,
    tenantId: string,
    streamIds: readonly string[],
  ): Promise<Map<string, CumulativePoint | undefined>> {
    const ids = [...new Set(streamIds)].sort();
    await tx.manager.query(
      `INSERT INTO ${this.table} (stream_id, tenant_id) SELECT unnest($1::text[]), $2 ON CONFLICT (stream_id) DO NOTHING`,
      [ids, tenantId],
    );
    const rows: CumulativeRow[] = await tx.manager.query(
      `SELECT stream_id, start_time_unix_nano, time_unix_nano, state FROM ${this.table}
        WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE`,
      [ids],
    );
    return new Map(
      rows.map((row) => [
        row.stream_id,
        row.state === null
          ? undefined
          : {
              startNs: BigInt(row.start_time_unix_nano ?? '0'),
              timeNs: BigInt(row.time_unix_nano ?? '0'),
              state: row.state,
            },
      ]),
    );
  }

  /** Stores each stream's new last point (rows locked by `lock` in this transaction). */
  async save(
    tx: Transaction,
    updated: readonly { readonly id: string; readonly point: CumulativePoint }[],
  ): Promise<void> {
    if (updated.length === 0) return;
    await tx.manager.query(
      `UPDATE ${this.table} AS c SET start_time_unix_nano = v.start_ns, time_unix_nano = v.time_ns, state = v.state
         FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::jsonb[]) AS v(id, start_ns, time_ns, state)
        WHERE c.stream_id = v.id`,
      [
        updated.map((u) => u.id),
        updated.map((u) => u.point.startNs.toString()),
        updated.map((u) => u.point.timeNs.toString()),
        updated.map((u) => JSON.stringify(u.point.state)),
      ],
    );
  }
}

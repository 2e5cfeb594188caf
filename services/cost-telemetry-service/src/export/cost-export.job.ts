import { Readable } from 'node:stream';
import type { JobDefinition, ServiceContext } from '@obs/service-kit';
import type { EntityManager } from 'typeorm';
import { listSignals } from '../cost-signal.queries.js';
import { CostExportEntity, lockNextPending } from './cost-export.repository.js';
import type { ExportBlobStore } from './export-blob-store.js';
import { csvHeader, csvRow } from './signal-csv.js';

/** A run writes at most this many exports; the next run continues. */
const MAX_EXPORTS_PER_RUN = 10;
const PAGE = 500;

export const EXPORT_JOB = 'cost-export';

/** The blob an export is written to: per tenant, per export. */
export const blobNameOf = (tenantId: string, exportId: string) => `${tenantId}/${exportId}.csv`;

/**
 * Writes pending exports as CSV to Blob. Each export is written while its row is locked
 * (`FOR UPDATE SKIP LOCKED`), so several instances never write one twice, and a crash leaves it
 * pending for the next run. The CSV is produced page by page into the block upload: neither the
 * rows nor the file are ever held whole in memory.
 */
export class CostExportJob {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly blobs: ExportBlobStore,
  ) {}

  asJob(intervalMs: number): JobDefinition {
    return {
      name: EXPORT_JOB,
      intervalMs,
      singleActive: false,
      run: async () => {
        await this.run();
      },
    };
  }

  /** Writes up to MAX_EXPORTS_PER_RUN pending exports; returns the ids it finished. */
  async run(): Promise<string[]> {
    const done: string[] = [];
    for (let n = 0; n < MAX_EXPORTS_PER_RUN; n += 1) {
      const id = await this.ctx.dataSource.transaction(async (manager) => {
        const row = await lockNextPending(manager, this.ctx.table('cost_exports'), done);
        if (row === undefined) return undefined;
        await this.write(manager, row.id, row.tenantId, row.filter);
        return row.id;
      });
      if (id === undefined) break;
      done.push(id);
    }
    return done;
  }

  private async write(
    manager: EntityManager,
    id: string,
    tenantId: string,
    filter: Parameters<typeof listSignals>[2],
  ): Promise<void> {
    const exports = manager.getRepository(CostExportEntity);
    const completedAt = new Date(this.ctx.clock());
    let rows = 0;
    let bytes = 0;
    const dataSource = this.ctx.dataSource;
    async function* csv(): AsyncGenerator<Buffer> {
      const header = Buffer.from(csvHeader(), 'utf8');
      bytes += header.length;
      yield header;
      let cursor: string | undefined;
      do {
        const page = await listSignals(dataSource, tenantId, filter, { limit: PAGE, cursor });
        if (page.items.length > 0) {
          const chunk = Buffer.from(page.items.map(csvRow).join(''), 'utf8');
          rows += page.items.length;
          bytes += chunk.length;
          yield chunk;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
    const blobName = blobNameOf(tenantId, id);
    try {
      await this.blobs.upload(blobName, Readable.from(csv()), 'text/csv; charset=utf-8');
    } catch (err) {
      this.ctx.logger.error({ err, exportId: id, tenantId }, 'cost export failed');
      await exports.update(
        { id },
        { status: 'failed', completedAt, error: 'writing the export to blob storage failed' },
      );
      return;
    }
    await exports.update(
      { id },
      { status: 'succeeded', completedAt, blobName, rowCount: rows, byteSize: String(bytes) },
    );
    this.ctx.logger.info({ exportId: id, tenantId, rows, bytes }, 'cost export written');
  }
}

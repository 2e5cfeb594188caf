import { Readable } from 'node:stream';
import type { JobDefinition, ServiceContext } from '@obs/service-kit';
import type { BlobStore } from '../blob-store.js';
import { listFeedback } from '../feedback-item.queries.js';
import type { FeedbackExportRow, FeedbackExports } from '../feedback-export.repository.js';

export const EXPORT_JOB = 'feedback-export';
/** Items read per query while writing an export (the list route's maximum page). */
const EXPORT_PAGE = 500;
/** Exports finished per run, so one run stays bounded; the next run takes the rest. */
const EXPORTS_PER_RUN = 10;

export const exportBlobRef = (row: Pick<FeedbackExportRow, 'tenantId' | 'id'>): string =>
  `exports/${row.tenantId}/${row.id}.ndjson`;

/**
 * Writes queued exports: every item of the tenant matching the export's filter, newest first, one
 * JSON object per line (the same shape as GET /v1/feedback/{id}), streamed page by page into one
 * block blob, so an export of any size never sits in memory. A failed export is marked failed and
 * its blob deleted.
 */
export class FeedbackExportJob {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly exports: FeedbackExports,
    private readonly blobs: BlobStore,
  ) {}

  asJob(intervalMs: number): JobDefinition {
    return { name: EXPORT_JOB, intervalMs, singleActive: true, run: () => this.run() };
  }

  async run(): Promise<void> {
    for (let done = 0; done < EXPORTS_PER_RUN; done += 1) {
      const next = await this.exports.claimNext(new Date(this.ctx.clock()));
      if (!next) return;
      await this.write(next);
    }
  }

  private async write(row: FeedbackExportRow): Promise<void> {
    const blobRef = exportBlobRef(row);
    const counts = { items: 0, bytes: 0 };
    try {
      await this.blobs.upload(
        blobRef,
        Readable.from(this.lines(row, counts)),
        'application/x-ndjson',
      );
      await this.exports.succeed(row.id, {
        blobRef,
        itemCount: counts.items,
        sizeBytes: counts.bytes,
        at: new Date(this.ctx.clock()),
      });
    } catch (error) {
      this.ctx.logger.error({ err: error, exportId: row.id }, 'feedback export failed');
      await this.blobs.delete(blobRef).catch(() => undefined);
      await this.exports.fail(
        row.id,
        'the export could not be written',
        new Date(this.ctx.clock()),
      );
    }
  }

  private async *lines(
    row: FeedbackExportRow,
    counts: { items: number; bytes: number },
  ): AsyncGenerator<Buffer> {
    let cursor: string | undefined;
    do {
      const page = await listFeedback(this.ctx.dataSource, row.tenantId, row.filter, {
        limit: EXPORT_PAGE,
        cursor,
      });
      if (page.items.length > 0) {
        const chunk = Buffer.from(
          page.items.map((item) => `${JSON.stringify(item)}\n`).join(''),
          'utf8',
        );
        counts.items += page.items.length;
        counts.bytes += chunk.length;
        yield chunk;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
}

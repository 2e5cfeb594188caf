import type { Readable } from 'node:stream';
import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';
import { HttpProblem } from '@obs/service-kit';

/**
 * Blocks of 1 MiB, two in flight: an upload holds at most ~2 MiB of the file in memory whatever
 * its size, and a 10 MiB attachment is ten staged blocks committed at the end (so a failed upload
 * never commits a blob; its uncommitted blocks are discarded by the storage service).
 */
const BLOCK_BYTES = 1024 * 1024;
const BLOCKS_IN_FLIGHT = 2;

export interface StoredBlob {
  readonly stream: NodeJS.ReadableStream;
  readonly contentType: string | undefined;
  readonly contentLength: number | undefined;
}

const unavailable = (): HttpProblem =>
  new HttpProblem(503, 'blob_unavailable', 'Service Unavailable', 'blob storage is unavailable');

/** The service's one blob container (Azure Storage or Azurite), behind a small port. */
export class BlobStore {
  private constructor(private readonly container: ContainerClient) {}

  static fromConnectionString(connectionString: string, containerName: string): BlobStore {
    const service = BlobServiceClient.fromConnectionString(connectionString);
    return new BlobStore(service.getContainerClient(containerName));
  }

  get containerName(): string {
    return this.container.containerName;
  }

  /** Creates the container when it is missing (at service start). */
  async ensureContainer(): Promise<void> {
    await this.container.createIfNotExists();
  }

  /** Streams `source` into a block blob; rejects (committing nothing) if the source errors. */
  async upload(name: string, source: Readable, contentType: string): Promise<void> {
    await this.container
      .getBlockBlobClient(name)
      .uploadStream(source, BLOCK_BYTES, BLOCKS_IN_FLIGHT, {
        blobHTTPHeaders: { blobContentType: contentType },
      });
  }

  /** The blob's bytes as a stream, or undefined when there is no such blob. */
  async download(name: string): Promise<StoredBlob | undefined> {
    try {
      const response = await this.container.getBlobClient(name).download();
      if (!response.readableStreamBody) throw unavailable();
      return {
        stream: response.readableStreamBody,
        contentType: response.contentType,
        contentLength: response.contentLength,
      };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      if (error instanceof HttpProblem) throw error;
      throw unavailable();
    }
  }

  async delete(name: string): Promise<void> {
    await this.container.getBlobClient(name).deleteIfExists();
  }

  /** Blob names under `prefix` (tests and operators check for orphans with it). */
  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix })) names.push(blob.name);
    return names;
  }
}

/**
 * A blob stream as the body of a route whose documented 200 is `format: binary` (typed as a
 * string by the type provider); Fastify sends streams as they are, bypassing the serializer.
 */
export const streamedBody = (stream: NodeJS.ReadableStream): string => stream as unknown as string;

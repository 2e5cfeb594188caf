import type { Readable } from 'node:stream';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

/**
 * The export files in Azure Blob Storage (Azurite locally), through @azure/storage-blob. Uploads
 * are streamed in blocks: the blob only exists once its block list is committed at the end, so a
 * failed upload leaves no (partial) blob behind.
 */
export class ExportBlobStore {
  private readonly container: ContainerClient;
  private ready: Promise<unknown> | undefined;

  constructor(connectionString: string, containerName: string) {
    this.container =
      BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  }

  private ensureContainer(): Promise<unknown> {
    this.ready ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async upload(name: string, body: Readable, contentType: string): Promise<void> {
    await this.ensureContainer();
    // 1 MiB blocks, two in flight: memory stays bounded whatever the export's size.
    await this.container.getBlockBlobClient(name).uploadStream(body, 1 << 20, 2, {
      blobHTTPHeaders: { blobContentType: contentType },
    });
  }

  /** The blob as a stream, or undefined when it does not exist (any more). */
  async download(
    name: string,
  ): Promise<{ body: NodeJS.ReadableStream; contentLength: number | undefined } | undefined> {
    try {
      const response = await this.container.getBlockBlobClient(name).download();
      if (!response.readableStreamBody) return undefined;
      return { body: response.readableStreamBody, contentLength: response.contentLength };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }
}

import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, inject, it } from 'vitest';

describe('Azurite from the global setup', () => {
  it('round-trips a blob', async () => {
    const connectionString = inject('infra').azureStorageConnectionString;
    expect(connectionString).toContain('BlobEndpoint=http://127.0.0.1:');
    expect(process.env.AZURE_STORAGE_CONNECTION_STRING).toBe(connectionString);

    const service = BlobServiceClient.fromConnectionString(connectionString);
    const container = service.getContainerClient(`it-${randomUUID()}`);
    await container.create();
    const body = JSON.stringify({ hello: 'blob', at: Date.now() });
    const blob = container.getBlockBlobClient('nested/dir/payload.json');
    await blob.upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });

    const downloaded = await blob.downloadToBuffer();
    expect(downloaded.toString('utf8')).toBe(body);
    const properties = await blob.getProperties();
    expect(properties.contentType).toBe('application/json');
    await container.delete();
  });
});

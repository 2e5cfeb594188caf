import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, inject, it } from 'vitest';
import { startFeedbackService } from '../test/feedback-test-kit.js';

describe('the blob container', () => {
  it('is created when the service starts, and a second start finds it', async () => {
    const name = `fb-start-${randomUUID().slice(0, 8)}`;
    const container = BlobServiceClient.fromConnectionString(
      inject('infra').azureStorageConnectionString,
    ).getContainerClient(name);
    expect(await container.exists()).toBe(false);
    try {
      const first = await startFeedbackService({
        runConsumers: false,
        config: { blobContainer: name },
      });
      await first.close();
      expect(await container.exists()).toBe(true);
      const second = await startFeedbackService({
        runConsumers: false,
        config: { blobContainer: name },
      });
      await second.close();
    } finally {
      await container.deleteIfExists();
    }
  });

  it('refuses to start without AZURE_STORAGE_CONNECTION_STRING, naming it', async () => {
    await expect(
      startFeedbackService({ runConsumers: false, config: { storageConnectionString: undefined } }),
    ).rejects.toThrow(/AZURE_STORAGE_CONNECTION_STRING is required/);
  });
});

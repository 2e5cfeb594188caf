import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ATTACHMENT_CONTENT_TYPES,
  DEFAULT_ATTACHMENT_MAX_BYTES,
  feedbackConfigFrom,
} from './config.js';
import { feedbackIdForEvent } from './feedback-intake.js';

describe('feedbackConfigFrom', () => {
  it('defaults: 10 MiB attachments, the evidence allow-list, container feedback', () => {
    const config = feedbackConfigFrom({});
    expect(config).toEqual({
      storageConnectionString: undefined,
      blobContainer: 'feedback',
      attachmentMaxBytes: 10 * 1024 * 1024,
      attachmentContentTypes: DEFAULT_ATTACHMENT_CONTENT_TYPES,
      exportIntervalMs: 2_000,
      idempotencyTtlHours: 24,
    });
    expect(DEFAULT_ATTACHMENT_MAX_BYTES).toBe(10_485_760);
  });

  it('reads every setting from the environment', () => {
    const config = feedbackConfigFrom({
      AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      FEEDBACK_BLOB_CONTAINER: 'fb-blobs',
      FEEDBACK_ATTACHMENT_MAX_BYTES: '2048',
      FEEDBACK_ATTACHMENT_CONTENT_TYPES: ' Image/PNG , text/plain,image/png ',
      FEEDBACK_EXPORT_INTERVAL_MS: '0',
      FEEDBACK_IDEMPOTENCY_TTL_HOURS: '48',
    });
    expect(config).toMatchObject({
      storageConnectionString: 'UseDevelopmentStorage=true',
      blobContainer: 'fb-blobs',
      attachmentMaxBytes: 2048,
      attachmentContentTypes: ['image/png', 'text/plain'],
      exportIntervalMs: 0,
      idempotencyTtlHours: 48,
    });
  });

  it.each([
    [{ FEEDBACK_ATTACHMENT_MAX_BYTES: '0' }, /FEEDBACK_ATTACHMENT_MAX_BYTES/],
    [{ FEEDBACK_ATTACHMENT_MAX_BYTES: 'ten' }, /FEEDBACK_ATTACHMENT_MAX_BYTES/],
    [{ FEEDBACK_BLOB_CONTAINER: 'Bad_Name' }, /FEEDBACK_BLOB_CONTAINER/],
    [{ FEEDBACK_ATTACHMENT_CONTENT_TYPES: 'png, text/plain' }, /not one: png/],
    [{ FEEDBACK_ATTACHMENT_CONTENT_TYPES: ' , ' }, /FEEDBACK_ATTACHMENT_CONTENT_TYPES/],
    [{ FEEDBACK_IDEMPOTENCY_TTL_HOURS: '0' }, /FEEDBACK_IDEMPOTENCY_TTL_HOURS/],
  ])('refuses %j at start', (env, message) => {
    expect(() => feedbackConfigFrom(env)).toThrow(message);
  });
});

describe('feedbackIdForEvent', () => {
  it('derives one stable RFC 9562 version-8 UUID per event', () => {
    const a = feedbackIdForEvent('0b5c2f0e-8c1d-4c2e-9f3a-1b2c3d4e5f60');
    expect(a).toBe(feedbackIdForEvent('0b5c2f0e-8c1d-4c2e-9f3a-1b2c3d4e5f60'));
    expect(a).not.toBe(feedbackIdForEvent('0b5c2f0e-8c1d-4c2e-9f3a-1b2c3d4e5f61'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

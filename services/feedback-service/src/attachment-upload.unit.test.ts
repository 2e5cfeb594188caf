import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ByteLimit, defaultKind, mediaTypeOf } from './attachment-upload.js';
import { contentDisposition } from './routes/attachment.routes.js';

describe('ByteLimit', () => {
  const drain = (chunks: Buffer[], max: number) => {
    const limit = new ByteLimit(max);
    const seen: Buffer[] = [];
    const sink = async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) seen.push(chunk);
    };
    const done = pipeline(Readable.from(chunks), limit, sink);
    return { done, limit, seen };
  };

  it('passes up to max bytes through and counts them', async () => {
    const { done, limit, seen } = drain([Buffer.alloc(3), Buffer.alloc(2)], 5);
    await done;
    expect(limit.bytes).toBe(5);
    expect(limit.exceeded).toBe(false);
    expect(Buffer.concat(seen)).toHaveLength(5);
  });

  it('fails with 413 on the first byte past max', async () => {
    const { done, limit } = drain([Buffer.alloc(5), Buffer.alloc(1)], 5);
    await expect(done).rejects.toMatchObject({ status: 413, code: 'attachment_too_large' });
    expect(limit.exceeded).toBe(true);
  });
});

describe('attachment media types and kinds', () => {
  it.each([
    ['text/plain; charset=utf-8', 'text/plain'],
    ['IMAGE/PNG', 'image/png'],
    [undefined, ''],
  ])('reads %j as %j', (mimetype, type) => {
    expect(mediaTypeOf(mimetype)).toBe(type);
  });

  it.each([
    ['image/webp', 'screenshot'],
    ['text/plain', 'log'],
    ['application/x-ndjson', 'log'],
    ['application/pdf', 'document'],
    ['text/markdown', 'document'],
    ['text/csv', 'export'],
    ['application/json', 'other'],
  ])('defaults %s to the kind %s', (type, kind) => {
    expect(defaultKind(type)).toBe(kind);
  });
});

describe('contentDisposition', () => {
  it('quotes ASCII names, escapes the rest and adds the RFC 8187 form', () => {
    expect(contentDisposition(null)).toBe('attachment');
    expect(contentDisposition('a.txt')).toBe(
      `attachment; filename="a.txt"; filename*=UTF-8''a.txt`,
    );
    expect(contentDisposition('say "hi"\\.txt')).toBe(
      `attachment; filename="say _hi__.txt"; filename*=UTF-8''say%20%22hi%22%5C.txt`,
    );
    expect(contentDisposition('日本.png')).toBe(
      `attachment; filename="__.png"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png`,
    );
  });
});

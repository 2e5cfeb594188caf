import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { MAX_ATTACHMENTS } from '@obs/domain';
import type { RunningService } from '@obs/service-kit';
import { expectProblem, TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  TEST_CONTAINER,
  multipartBody,
  postFeedback,
  reader,
  runVerb,
  startFeedbackService,
  testBlobs,
  uniqueTenant,
  uploadFile,
  writer,
  type AttachmentBody,
  type FeedbackBody,
} from '../../test/feedback-test-kit.js';

const clock = new TestClock();
/** A small limit keeps the oversize case fast; the default (10 MiB) has its own config test. */
const MAX = 3 * 1024 * 1024 + 17;
let service: RunningService;
const blobs = testBlobs();

beforeAll(async () => {
  service = await startFeedbackService({
    clock,
    runConsumers: false,
    config: { attachmentMaxBytes: MAX },
  });
});
afterAll(async () => {
  await service.close();
});

const itemOf = async (tenant: string, id: string): Promise<FeedbackBody> => {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/feedback/${id}`,
    headers: reader(tenant),
  });
  expect(res.statusCode).toBe(200);
  return res.json<FeedbackBody>();
};
const blobsOf = (tenant: string, itemId: string) => blobs.list(`attachments/${tenant}/${itemId}/`);

describe('POST /v1/feedback/{id}/attachments', () => {
  it('streams the file to Blob, attaches it, and GET streams the same bytes back', async () => {
    const tenant = uniqueTenant('att');
    const item = await postFeedback(service, tenant);
    const png = randomBytes(70_000);
    const res = await uploadFile(service, tenant, item.id, {
      fileName: 'checkout.png',
      contentType: 'image/png',
      data: png,
    });
    expect(res.statusCode, res.body).toBe(201);
    const attachment = res.json<AttachmentBody>();
    expect(res.headers.location).toBe(attachment.url);
    expect(attachment).toEqual({
      id: attachment.id,
      kind: 'screenshot',
      contentType: 'image/png',
      sizeBytes: png.length,
      fileName: 'checkout.png',
      attachedAt: clock.iso(),
      url: `/v1/feedback/${item.id}/attachments/${attachment.id}`,
    });
    expect((await itemOf(tenant, item.id)).attachments).toEqual([attachment]);

    // The blob itself, read straight from storage.
    const stored = await blobs.download(`attachments/${tenant}/${item.id}/${attachment.id}`);
    expect(stored?.contentType).toBe('image/png');
    const chunks: Buffer[] = [];
    for await (const chunk of stored!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(png)).toBe(true);

    const back = await service.app.inject({
      method: 'GET',
      url: attachment.url,
      headers: reader(tenant),
    });
    expect(back.statusCode).toBe(200);
    expect(back.headers['content-type']).toBe('image/png');
    expect(back.headers['content-length']).toBe(String(png.length));
    expect(back.headers['content-disposition']).toBe(
      `attachment; filename="checkout.png"; filename*=UTF-8''checkout.png`,
    );
    expect(back.rawPayload.equals(png)).toBe(true);
  });

  it('uploads a large file in blocks (streamed, never one buffer) and takes the kind field', async () => {
    const tenant = uniqueTenant('att-big');
    const item = await postFeedback(service, tenant);
    const log = randomBytes(MAX); // exactly the limit: accepted
    const res = await uploadFile(service, tenant, item.id, {
      fileName: 'app.log',
      contentType: 'text/plain; charset=utf-8',
      data: log,
      kind: 'trace',
    });
    expect(res.statusCode, res.body).toBe(201);
    const attachment = res.json<AttachmentBody>();
    expect(attachment).toMatchObject({ kind: 'trace', contentType: 'text/plain', sizeBytes: MAX });
    const blockBlob = BlobServiceClient.fromConnectionString(
      inject('infra').azureStorageConnectionString,
    )
      .getContainerClient(TEST_CONTAINER)
      .getBlockBlobClient(`attachments/${tenant}/${item.id}/${attachment.id}`);
    const blocks = await blockBlob.getBlockList('committed');
    // 1 MiB blocks: the upload staged the file piece by piece.
    expect(blocks.committedBlocks?.length).toBe(4);
    const back = await service.app.inject({
      method: 'GET',
      url: attachment.url,
      headers: reader(tenant),
    });
    expect(back.rawPayload.equals(log)).toBe(true);
  });

  it('answers 413 for a file over FEEDBACK_ATTACHMENT_MAX_BYTES and keeps no row and no blob', async () => {
    const tenant = uniqueTenant('att-413');
    const item = await postFeedback(service, tenant);
    const res = await uploadFile(service, tenant, item.id, { data: randomBytes(MAX + 1) });
    expectProblem(res, 413, 'attachment_too_large');
    expect((await itemOf(tenant, item.id)).attachments).toEqual([]);
    expect(await blobsOf(tenant, item.id)).toEqual([]);
  });

  it('answers 415 for a content type off the allow-list and keeps nothing', async () => {
    const tenant = uniqueTenant('att-415');
    const item = await postFeedback(service, tenant);
    for (const contentType of ['application/octet-stream', 'text/html', 'image/svg+xml']) {
      const res = await uploadFile(service, tenant, item.id, {
        fileName: 'x.bin',
        contentType,
        data: Buffer.from('<script>alert(1)</script>'),
      });
      expectProblem(res, 415, 'attachment_content_type_not_allowed');
    }
    expect((await itemOf(tenant, item.id)).attachments).toEqual([]);
    expect(await blobsOf(tenant, item.id)).toEqual([]);
  });

  it('answers 415 for a body that is not multipart', async () => {
    const tenant = uniqueTenant('att-json');
    const item = await postFeedback(service, tenant);
    const res = await service.app.inject({
      method: 'POST',
      url: `/v1/feedback/${item.id}/attachments`,
      headers: writer(tenant),
      payload: { file: 'aGVsbG8=' },
    });
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it.each([
    ['no file part', [{ name: 'kind', value: 'log' }], 'body.file'],
    [
      'an unknown field',
      [
        { name: 'colour', value: 'red' },
        { name: 'file', fileName: 'a.txt', contentType: 'text/plain', data: Buffer.from('a') },
      ],
      'body.colour',
    ],
    [
      'a bad kind',
      [
        { name: 'kind', value: 'video' },
        { name: 'file', fileName: 'a.txt', contentType: 'text/plain', data: Buffer.from('a') },
      ],
      'body.kind',
    ],
    [
      'a file under another name',
      [{ name: 'upload', fileName: 'a.txt', contentType: 'text/plain', data: Buffer.from('a') }],
      'body.upload',
    ],
  ] as const)('answers 400 for %s', async (_case, parts, field) => {
    const tenant = uniqueTenant('att-400');
    const item = await postFeedback(service, tenant);
    const form = multipartBody(parts);
    const res = await service.app.inject({
      method: 'POST',
      url: `/v1/feedback/${item.id}/attachments`,
      headers: { ...writer(tenant), ...form.headers },
      payload: form.payload,
    });
    expectProblem(res, 400, 'validation_failed');
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual([field]);
    expect(await blobsOf(tenant, item.id)).toEqual([]);
  });

  it('reads fields after the file too: a kind there counts, an unknown one deletes the blob', async () => {
    const tenant = uniqueTenant('att-order');
    const item = await postFeedback(service, tenant);
    const post = (parts: Parameters<typeof multipartBody>[0]) => {
      const form = multipartBody(parts);
      return service.app.inject({
        method: 'POST',
        url: `/v1/feedback/${item.id}/attachments`,
        headers: { ...writer(tenant), ...form.headers },
        payload: form.payload,
      });
    };
    const file = {
      name: 'file',
      fileName: 'a.txt',
      contentType: 'text/plain',
      data: Buffer.from('a'),
    };
    const later = await post([file, { name: 'kind', value: 'trace' }]);
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json<AttachmentBody>().kind).toBe('trace');
    for (const parts of [
      [file, { name: 'colour', value: 'red' }],
      [file, { ...file, fileName: 'b.txt' }],
      [{ name: 'kind', value: 'log' }, file, { name: 'kind', value: 'log' }],
    ]) {
      expectProblem(await post(parts), 400, 'validation_failed');
    }
    expect(await blobsOf(tenant, item.id)).toEqual([
      `attachments/${tenant}/${item.id}/${later.json<AttachmentBody>().id}`,
    ]);
    expect((await itemOf(tenant, item.id)).attachments).toHaveLength(1);
  });

  it('answers 400 for a multipart body it cannot read (no boundary)', async () => {
    const tenant = uniqueTenant('att-broken');
    const item = await postFeedback(service, tenant);
    const res = await service.app.inject({
      method: 'POST',
      url: `/v1/feedback/${item.id}/attachments`,
      headers: { ...writer(tenant), 'content-type': 'multipart/form-data' },
      payload: 'not a form',
    });
    expectProblem(res, 400, 'malformed_multipart');
    expect(await blobsOf(tenant, item.id)).toEqual([]);
  });

  it('refuses attachments once applied (422) before writing any blob', async () => {
    const tenant = uniqueTenant('att-applied');
    const item = await postFeedback(service, tenant);
    expect((await runVerb(service, tenant, item.id, 'route')).statusCode).toBe(200);
    const routedUpload = await uploadFile(service, tenant, item.id, { data: Buffer.from('ok') });
    expect(routedUpload.statusCode, routedUpload.body).toBe(201);
    expect((await runVerb(service, tenant, item.id, 'apply')).statusCode).toBe(200);
    const res = await uploadFile(service, tenant, item.id, { data: Buffer.from('late') });
    expectProblem(res, 422, 'feedback.applied_immutable');
    expect(await blobsOf(tenant, item.id)).toHaveLength(1);
    expect((await itemOf(tenant, item.id)).attachments).toHaveLength(1);
  });

  it('deletes the blob when attaching fails after the upload (two racing for the last place)', async () => {
    const tenant = uniqueTenant('att-race');
    const item = await postFeedback(service, tenant);
    for (let i = 1; i < MAX_ATTACHMENTS; i += 1) {
      const res = await uploadFile(service, tenant, item.id, { data: Buffer.from(`file ${i}`) });
      expect(res.statusCode, res.body).toBe(201);
    }
    // Both pass the check before the upload; the row lock lets only one attach afterwards.
    const racing = await Promise.all([
      uploadFile(service, tenant, item.id, { data: Buffer.from('first') }),
      uploadFile(service, tenant, item.id, { data: Buffer.from('second') }),
    ]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 422]);
    const refused = racing.find((r) => r.statusCode === 422)!;
    expectProblem(refused, 422, 'feedback.too_many_attachments');
    const attachments = (await itemOf(tenant, item.id)).attachments;
    expect(attachments).toHaveLength(MAX_ATTACHMENTS);
    expect((await blobsOf(tenant, item.id)).sort()).toEqual(
      attachments.map((a) => `attachments/${tenant}/${item.id}/${a.id}`).sort(),
    );
  });

  it('answers 404 for an unknown item, and for an unknown attachment', async () => {
    const tenant = uniqueTenant('att-404');
    const item = await postFeedback(service, tenant);
    expectProblem(
      await uploadFile(service, tenant, '00000000-0000-4000-8000-000000000000', {
        data: Buffer.from('x'),
      }),
      404,
      'not_found',
    );
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: `/v1/feedback/${item.id}/attachments/00000000-0000-4000-8000-000000000000`,
        headers: reader(tenant),
      }),
      404,
      'not_found',
    );
  });

  it('names non-ASCII files safely in Content-Disposition', async () => {
    const tenant = uniqueTenant('att-name');
    const item = await postFeedback(service, tenant);
    const res = await uploadFile(service, tenant, item.id, {
      fileName: 'résumé final.md',
      contentType: 'text/markdown',
      data: Buffer.from('# notes'),
    });
    expect(res.statusCode, res.body).toBe(201);
    const attachment = res.json<AttachmentBody>();
    expect(attachment.kind).toBe('document');
    const back = await service.app.inject({
      method: 'GET',
      url: attachment.url,
      headers: reader(tenant),
    });
    expect(back.body).toBe('# notes');
    expect(back.headers['content-disposition']).toBe(
      `attachment; filename="r_sum_ final.md"; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.md`,
    );
  });
});

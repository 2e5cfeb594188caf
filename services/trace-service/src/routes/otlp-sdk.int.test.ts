import type { ChildProcess } from 'node:child_process';
import { SpanStatusCode } from '@opentelemetry/api';
import { bearer } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSdk, startServiceChild } from '../../test/otel-sdk.js';
import { resourceAttributes, uniqueTenant, type TraceBody } from '../../test/trace-test-kit.js';

let child: ChildProcess;
let baseUrl: string;
beforeAll(async () => {
  ({ child, url: baseUrl } = await startServiceChild());
});
afterAll(() => {
  child.kill('SIGTERM');
});

async function get(path: string, tenant: string) {
  return fetch(`${baseUrl}${path}`, { headers: bearer(tenant, ['read']) });
}

/** A request span with a child and a grandchild, an event, attributes and an error status. */
async function exportTrace(protocol: 'json' | 'protobuf', tenant: string, resourceTenant = tenant) {
  const sdk = startSdk({
    baseUrl,
    authorization: bearer(tenant, ['ingest']).authorization,
    resource: resourceAttributes(resourceTenant),
    protocol,
  });
  let traceId = '';
  await sdk.tracer.startActiveSpan('POST /checkout', async (root) => {
    traceId = root.spanContext().traceId;
    root.setAttribute('http.route', '/checkout');
    await sdk.tracer.startActiveSpan('charge card', async (charge) => {
      charge.setAttributes({ 'payment.provider': 'acme-pay', 'payment.attempt': 2 });
      charge.addEvent('card declined', { 'decline.code': 'insufficient_funds' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      sdk.tracer.startSpan('fraud check').end();
      charge.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
      charge.end();
    });
    root.end();
  });
  await sdk.shutdown();
  return traceId;
}

async function assembled(tenant: string, traceId: string): Promise<TraceBody> {
  let body: TraceBody | undefined;
  await expect
    .poll(
      async () => {
        const res = await get(`/v1/traces/${traceId}`, tenant);
        body = res.status === 200 ? ((await res.json()) as TraceBody) : undefined;
        return body?.status;
      },
      { timeout: 20_000, interval: 200 },
    )
    .toBe('error');
  return body as TraceBody;
}

describe.each(['json', 'protobuf'] as const)(
  'the unmodified OpenTelemetry SDK (%s)',
  (protocol) => {
    it('exports a trace that reads back assembled through the public API', async () => {
      const tenant = uniqueTenant(`sdk-${protocol}`);
      const traceId = await exportTrace(protocol, tenant);
      const trace = await assembled(tenant, traceId);
      expect(trace).toMatchObject({
        traceId,
        version: 1,
        problem: null,
        rootSpanName: 'POST /checkout',
        spanCount: 3,
        dimensions: { tenantId: tenant, service: 'payments-api', origin: 'generated-saas' },
      });
      expect(trace.spans.map((s) => [s.name, s.depth])).toEqual([
        ['POST /checkout', 0],
        ['charge card', 1],
        ['fraud check', 2],
      ]);
      const charge = trace.spans[1];
      expect(charge).toMatchObject({
        status: 'error',
        attributes: { 'payment.provider': 'acme-pay', 'payment.attempt': 2 },
        events: [{ name: 'card declined' }],
      });

      const search = await get(`/v1/traces?attr.payment.provider=acme-pay&status=error`, tenant);
      expect(((await search.json()) as { items: { traceId: string }[] }).items).toEqual([
        expect.objectContaining({ traceId }),
      ]);
    });

    it("stores nothing of spans whose tenant.id is another tenant's; B's trace is 404 to A", async () => {
      const a = uniqueTenant('sdk-a');
      const b = uniqueTenant('sdk-b');
      const refused = await exportTrace(protocol, a, b);
      const ownB = await exportTrace(protocol, b);
      await assembled(b, ownB);
      expect((await get(`/v1/traces/${refused}`, a)).status).toBe(404);
      expect((await get(`/v1/traces/${refused}`, b)).status).toBe(404);
      expect((await get(`/v1/traces/${ownB}`, a)).status).toBe(404);
      const listA = await get('/v1/traces', a);
      expect(await listA.json()).toEqual({ items: [], nextCursor: null });
    });
  },
);

import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { RunningService } from '@obs/service-kit';
import { TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOUR,
  ingester,
  newTraceId,
  recordsOf,
  referencesOf,
  resourceAttributes,
  startLogService,
  uniqueTenant,
} from '../../test/log-test-kit.js';
import { sdkLogger } from '../../test/otel-sdk.js';

// The SDK stamps records with the wall clock, so the service's clock starts there too.
const clock = new TestClock(Date.now());
let service: RunningService;
let baseUrl: string;

beforeAll(async () => {
  service = await startLogService({ clock });
  baseUrl = await service.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await service.close();
});

const range = () => ({
  from: new Date(clock.nowMs - HOUR).toISOString(),
  to: new Date(clock.nowMs + HOUR).toISOString(),
});

/** A log call inside a sampled span of `traceId`, as an instrumented handler makes it. */
const inSpan = (traceId: string, spanId: string) =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });

describe.each(['json', 'protobuf'] as const)(
  'POST /v1/logs from the real OpenTelemetry logs SDK (%s exporter)',
  (protocol) => {
    it('stores what the SDK exports, with all eleven dimensions, and reads it back by trace', async () => {
      const tenant = uniqueTenant(`sdk-${protocol}`);
      const traceId = newTraceId();
      const sdk = sdkLogger({
        baseUrl,
        authorization: ingester(tenant).authorization,
        resource: resourceAttributes(tenant),
        protocol,
      });
      const context = inSpan(traceId, '00f067aa0ba902b7');
      sdk.logger.emit({
        context,
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: 'checkout started',
        attributes: { 'cart.items': 3 },
      });
      sdk.logger.emit({
        context,
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: 'card declined',
        attributes: { 'payment.provider': 'acme-pay' },
      });
      await sdk.flush();
      await sdk.shutdown();

      const refs = await referencesOf(service, tenant, { traceId });
      expect(refs.items).toHaveLength(1);
      expect(refs.items[0]).toMatchObject({
        traceId,
        executionId: 'exec-1',
        level: 'Error',
        recordCount: 2,
        dimensions: {
          tenantId: tenant,
          projectId: 'checkout',
          moduleId: 'payments',
          artifactId: 'payments-api',
          executionId: 'exec-1',
          agentId: 'none',
          service: 'payments-api',
          serviceVersion: '1.0.0',
          environment: 'production',
          region: 'westeurope',
          origin: 'generated-saas',
        },
      });
      const page = await recordsOf(service, tenant, { traceId, ...range() });
      expect(
        page.items.map((r) => ({
          body: r.body,
          level: r.level,
          spanId: r.spanId,
          attributes: r.attributes,
        })),
      ).toEqual([
        {
          body: 'checkout started',
          level: 'Information',
          spanId: '00f067aa0ba902b7',
          attributes: { 'cart.items': 3 },
        },
        {
          body: 'card declined',
          level: 'Error',
          spanId: '00f067aa0ba902b7',
          attributes: { 'payment.provider': 'acme-pay' },
        },
      ]);
      const errorsOnly = await recordsOf(service, tenant, {
        traceId,
        ...range(),
        minSeverity: 'Error',
      });
      expect(errorsOnly.items.map((r) => r.body)).toEqual(['card declined']);
    });

    it("refuses records whose tenant.id is another tenant's: nothing is stored for either", async () => {
      const tenant = uniqueTenant(`sdk-a-${protocol}`);
      const victim = uniqueTenant(`sdk-b-${protocol}`);
      const traceId = newTraceId();
      const sdk = sdkLogger({
        baseUrl,
        authorization: ingester(tenant).authorization,
        resource: resourceAttributes(victim),
        protocol,
      });
      sdk.logger.emit({ context: inSpan(traceId, '00f067aa0ba902b7'), body: 'forged' });
      await sdk.flush();
      await sdk.shutdown();
      // The same exporter path with the right tenant.id is stored: the forged record was refused,
      // not lost on the way.
      const genuine = sdkLogger({
        baseUrl,
        authorization: ingester(tenant).authorization,
        resource: resourceAttributes(tenant),
        protocol,
      });
      genuine.logger.emit({ context: inSpan(traceId, '00f067aa0ba902b7'), body: 'genuine' });
      await genuine.flush();
      await genuine.shutdown();
      expect((await referencesOf(service, victim, { traceId })).items).toEqual([]);
      expect((await referencesOf(service, tenant, { traceId })).items).toHaveLength(1);
      const rows: { body: string }[] = await service.ctx.dataSource.query(
        `SELECT body FROM ${service.ctx.table('log_records')} WHERE trace_id = $1`,
        [traceId],
      );
      expect(rows).toEqual([{ body: 'genuine' }]);
    });
  },
);

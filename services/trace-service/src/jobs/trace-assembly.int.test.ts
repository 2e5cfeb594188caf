import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_CONFIG,
  assemble,
  getTrace,
  newSpanId,
  newTraceId,
  otlpBody,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
  type SpanSpec,
} from '../../test/trace-test-kit.js';

const clock = new TestClock();
const T0 = clock.nowMs - 60_000;
const IDLE = TEST_CONFIG.idleMs;
let service: RunningService;
let events: TopicReader;

beforeAll(async () => {
  service = await startTraceService({ clock });
  events = await TopicReader.open(service.ctx.bus, [topicFor('TraceRecorded')]);
  // The reader starts at the topic's beginning; on a long-lived broker it first reads the topic's
  // whole history. A sentinel trace recorded now marks when it has caught up, so each test's own
  // wait measures this service, not the backlog.
  const sentinel = uniqueTenant('sentinel');
  await send(sentinel, [
    { traceId: newTraceId(), spanId: newSpanId(), startMs: T0, durationMs: 1 },
  ]);
  clock.nowMs += IDLE;
  await assemble(service);
  const deadline = Date.now() + 170_000;
  while (events.of(sentinel, 'TraceRecorded').length === 0) {
    if (Date.now() > deadline) throw new Error('the TraceRecorded topic was not read up to now');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 180_000);
afterAll(async () => {
  await events.close();
  await service.close();
});

const send = (tenant: string, spans: SpanSpec[]) =>
  sendSpans(service, tenant, otlpBody(resourceAttributes(tenant), spans));

describe('trace assembly', () => {
  it('records a trace once its root is present and TRACE_IDLE_MS passed, then emits TraceRecorded', async () => {
    const tenant = uniqueTenant('asm');
    const traceId = newTraceId();
    const root = newSpanId();
    await send(tenant, [
      { traceId, spanId: root, name: 'POST /pay', startMs: T0, durationMs: 200, status: 1 },
      { traceId, spanId: newSpanId(), parentSpanId: root, startMs: T0 + 5, durationMs: 50 },
    ]);
    clock.nowMs += IDLE - 1;
    await assemble(service);
    expect((await getTrace(service, tenant, traceId)).status).toBe('assembling');

    clock.nowMs += 1;
    await assemble(service);
    const trace = await getTrace(service, tenant, traceId);
    expect(trace).toMatchObject({ status: 'ok', version: 1, spanCount: 2, problem: null });

    const [event] = await events.waitFor(tenant, 'TraceRecorded', 1);
    expect(event).toMatchObject({
      traceId,
      aggregate: { type: 'TraceRecord', id: traceId, version: 1 },
      payload: {
        traceId,
        rootSpanName: 'POST /pay',
        status: 'ok',
        spanCount: 2,
        durationMs: 200,
        projectId: 'checkout',
        moduleId: 'payments',
      },
    });
  });

  it('late spans update the record and emit again with a higher version; retries emit nothing', async () => {
    const tenant = uniqueTenant('late');
    const traceId = newTraceId();
    const root = newSpanId();
    const first: SpanSpec[] = [{ traceId, spanId: root, startMs: T0, durationMs: 300 }];
    await send(tenant, first);
    clock.nowMs += IDLE;
    await assemble(service);
    await events.waitFor(tenant, 'TraceRecorded', 1);

    await send(tenant, [
      {
        traceId,
        spanId: newSpanId(),
        parentSpanId: root,
        startMs: T0 + 10,
        durationMs: 10,
        status: 2,
      },
    ]);
    expect(await getTrace(service, tenant, traceId)).toMatchObject({ version: 1, status: 'unset' });
    clock.nowMs += IDLE;
    await assemble(service);
    expect(await getTrace(service, tenant, traceId)).toMatchObject({
      version: 2,
      status: 'error',
      spanCount: 2,
    });
    const recorded = await events.waitFor(tenant, 'TraceRecorded', 2);
    expect(
      recorded.map((e) => [e.aggregate.version, e.payload.spanCount, e.payload.status]),
    ).toEqual([
      [1, 1, 'unset'],
      [2, 2, 'error'],
    ]);

    await send(tenant, first); // an exporter retry of a span already held
    clock.nowMs += IDLE;
    await assemble(service);
    // Nothing new: the same version, and the retried span is not counted twice.
    expect(await getTrace(service, tenant, traceId)).toMatchObject({ version: 2, spanCount: 2 });

    // A real late span after the retry: counted once more, not once per copy received.
    await send(tenant, [
      { traceId, spanId: newSpanId(), parentSpanId: root, startMs: T0 + 20, durationMs: 5 },
    ]);
    clock.nowMs += IDLE;
    await assemble(service);
    expect(await getTrace(service, tenant, traceId)).toMatchObject({ version: 3, spanCount: 3 });
    const [, , third] = await events.waitFor(tenant, 'TraceRecorded', 3);
    expect(third?.payload.spanCount).toBe(3);
  });

  it.each([
    [
      'an orphan',
      (traceId: string, root: string): SpanSpec[] => [
        { traceId, spanId: root, startMs: T0, durationMs: 100 },
        { traceId, spanId: newSpanId(), parentSpanId: newSpanId(), startMs: T0, durationMs: 1 },
      ],
      'trace.orphan_span',
    ],
    [
      'a child outside its parent',
      (traceId: string, root: string): SpanSpec[] => [
        { traceId, spanId: root, startMs: T0, durationMs: 100 },
        { traceId, spanId: newSpanId(), parentSpanId: root, startMs: T0 + 90, durationMs: 50 },
      ],
      'trace.child_outside_parent',
    ],
    [
      'two roots',
      (traceId: string, root: string): SpanSpec[] => [
        { traceId, spanId: root, startMs: T0, durationMs: 100 },
        { traceId, spanId: newSpanId(), startMs: T0 + 1, durationMs: 1 },
      ],
      'trace.multiple_roots',
    ],
  ])('records %s as status error with the reason, spans kept', async (_name, spans, code) => {
    const tenant = uniqueTenant('broken');
    const traceId = newTraceId();
    await send(tenant, spans(traceId, newSpanId()));
    clock.nowMs += IDLE;
    await assemble(service);
    const trace = await getTrace(service, tenant, traceId);
    expect(trace).toMatchObject({ status: 'error', version: 1, spanCount: 2 });
    expect(trace.problem?.code).toBe(code);
    expect(trace.spans).toHaveLength(2);
    const [event] = await events.waitFor(tenant, 'TraceRecorded', 1);
    expect(event?.payload.status).toBe('error');
  });

  it('never assembles a trace whose root has not arrived', async () => {
    const tenant = uniqueTenant('rootless');
    const traceId = newTraceId();
    await send(tenant, [
      { traceId, spanId: newSpanId(), parentSpanId: newSpanId(), startMs: T0, durationMs: 1 },
    ]);
    clock.nowMs += IDLE * 10;
    await assemble(service);
    expect(await getTrace(service, tenant, traceId)).toMatchObject({
      status: 'assembling',
      version: 0,
      rootSpanId: null,
    });
  });
});

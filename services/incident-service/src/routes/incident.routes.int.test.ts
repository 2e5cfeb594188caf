import { TestClock } from '@obs/service-kit/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { RunningService } from '@obs/service-kit';
import { expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_ID,
  listOf,
  openManual,
  reader,
  runCommand,
  startIncidentService,
  timelineOf,
  uniqueTenant,
  writer,
  type IncidentBody,
} from '../../test/incident-test-kit.js';

const clock = new TestClock();
const tenant = uniqueTenant('inc-routes');
let service: RunningService;

beforeAll(async () => {
  service = await startIncidentService({ clock, runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

const STEPS = [
  { level: 1, target: 'primary', delayMinutes: 5 },
  { level: 2, target: 'secondary', delayMinutes: 15 },
];

/** An incident driven into `status` through the API. */
async function incidentIn(status: string): Promise<IncidentBody> {
  const incident = await openManual(service, tenant, { escalationSteps: STEPS });
  const path: Record<string, string[]> = {
    open: [],
    acknowledged: ['acknowledge'],
    investigating: ['acknowledge', 'investigate'],
    mitigated: ['acknowledge', 'investigate', 'mitigate'],
    resolved: ['resolve'],
  };
  let current = incident;
  for (const verb of path[status] ?? []) {
    const body =
      verb === 'resolve' ? { actor: 'user-42', rootCause: 'bad deploy' } : { actor: 'user-42' };
    const res = await runCommand(service, tenant, incident.id, verb, body);
    expect(res.statusCode, res.body).toBe(200);
    current = res.json<IncidentBody>();
  }
  expect(current.status).toBe(status);
  return current;
}

describe('POST /v1/incidents (manual)', () => {
  it('answers 201 with Location, ETag and the whole incident, source manual', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: writer(tenant),
      payload: {
        title: '  Checkout is failing  ',
        severity: 'critical',
        projectId: 'checkout',
        moduleId: 'payments',
        traceId: TRACE_ID,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<IncidentBody>();
    expect(res.headers.location).toBe(`/v1/incidents/${body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(body).toMatchObject({
      tenantId: tenant,
      title: 'Checkout is failing',
      severity: 'critical',
      status: 'open',
      source: 'manual',
      sourceRef: null,
      traceId: TRACE_ID,
      projectId: 'checkout',
      moduleId: 'payments',
      openedAt: clock.iso(),
      acknowledgedAt: null,
      resolvedAt: null,
      rootCause: null,
      version: 1,
    });
    // No steps in the body: the service default policy (5 / 15 / 30 minutes).
    expect(body.escalationSteps).toEqual([
      { level: 1, target: 'on-call-primary', delayMinutes: 5, at: null },
      { level: 2, target: 'on-call-secondary', delayMinutes: 15, at: null },
      { level: 3, target: 'engineering-manager', delayMinutes: 30, at: null },
    ]);
    expect(body.nextEscalationAt).toBe(clock.iso(5));
    expect(await timelineOf(service, tenant, body.id)).toEqual([
      { timestamp: clock.iso(), type: 'opened', actor: 'dev-user', note: null },
    ]);
  });

  it('keeps the steps named in the body, and [] means it never escalates', async () => {
    const custom = await openManual(service, tenant, { escalationSteps: STEPS });
    expect(custom.escalationSteps.map((s) => s.target)).toEqual(['primary', 'secondary']);
    const none = await openManual(service, tenant, { escalationSteps: [] });
    expect(none.escalationSteps).toEqual([]);
    expect(none.nextEscalationAt).toBeNull();
  });

  it('keeps the eleven dimensions when given', async () => {
    const dimensions = {
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
      origin: 'factory',
    };
    const incident = await openManual(service, tenant, { dimensions });
    expect(incident.dimensions).toEqual(dimensions);
  });

  it.each([
    ['a blank title', { title: '   ' }, 'incident.title_required'],
    ['a blank projectId', { projectId: '' }, 'incident.project_required'],
    ['a malformed traceId', { traceId: 'not-a-trace' }, 'trace.invalid_trace_id'],
    [
      'escalation levels out of order',
      { escalationSteps: [{ level: 2, target: 'x', delayMinutes: 1 }] },
      'incident.invalid_escalation',
    ],
    [
      'a higher level escalating sooner',
      {
        escalationSteps: [
          { level: 1, target: 'a', delayMinutes: 10 },
          { level: 2, target: 'b', delayMinutes: 5 },
        ],
      },
      'incident.invalid_escalation',
    ],
    [
      'incomplete dimensions',
      { dimensions: { tenantId: 'x', projectId: 'checkout' } },
      'telemetry.missing_dimensions',
    ],
  ])('refuses %s with 422 and its code', async (_name, patch, code) => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: writer(tenant),
      payload: { title: 'x', severity: 'high', projectId: 'checkout', ...patch },
    });
    expectProblem(res, 422, code);
  });

  it("refuses dimensions of another tenant (incident.tenant_mismatch): the token's tenant wins", async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: writer(tenant),
      payload: {
        title: 'x',
        severity: 'high',
        projectId: 'checkout',
        dimensions: {
          tenantId: 'someone-else',
          projectId: 'checkout',
          moduleId: 'm',
          artifactId: 'a',
          executionId: 'e',
          agentId: 'none',
          service: 's',
          serviceVersion: '1',
          environment: 'prod',
          region: 'r',
          origin: 'agent',
        },
      },
    });
    expectProblem(res, 422, 'incident.tenant_mismatch');
  });

  it('answers 400 naming invalid and unknown fields, and for malformed JSON', async () => {
    const invalid = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: writer(tenant),
      payload: { title: 1, severity: 'catastrophic', projectId: 'p', tenantId: 'evil' },
    });
    const body = expectProblem(invalid, 400, 'validation_failed');
    const fields = (body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.title', 'body.severity', 'body.tenantId']),
    );
    const malformed = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: { ...writer(tenant), 'content-type': 'application/json' },
      payload: '{"title":',
    });
    expectProblem(malformed, 400, 'malformed_request');
  });

  it('answers 413 for an oversized body and 415 for a non-JSON one', async () => {
    const big = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: { ...writer(tenant), 'content-type': 'application/json' },
      payload: JSON.stringify({ title: 'x'.repeat(2_000_000), severity: 'high', projectId: 'p' }),
    });
    expectProblem(big, 413, 'body_too_large');
    const text = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: { ...writer(tenant), 'content-type': 'text/plain' },
      payload: 'incident!',
    });
    expectProblem(text, 415, 'unsupported_media_type');
  });
});

describe('GET /v1/incidents/{id} and /events', () => {
  it('returns the incident with ETag "<version>", 404 for an unknown id, 400 for a non-uuid', async () => {
    const incident = await openManual(service, tenant);
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/incidents/${incident.id}`,
      headers: reader(tenant),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json()).toEqual(incident);
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/incidents/00000000-0000-4000-8000-000000000000',
        headers: reader(tenant),
      }),
      404,
      'not_found',
    );
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/incidents/not-a-uuid',
        headers: reader(tenant),
      }),
      400,
      'validation_failed',
    );
  });

  it('pages the timeline oldest first', async () => {
    const incident = await incidentIn('mitigated');
    const first = await service.app.inject({
      method: 'GET',
      url: `/v1/incidents/${incident.id}/events?limit=2`,
      headers: reader(tenant),
    });
    const page1 = first.json<{ items: { type: string }[]; nextCursor: string | null }>();
    expect(page1.items.map((e) => e.type)).toEqual(['opened', 'acknowledged']);
    expect(page1.nextCursor).not.toBeNull();
    const second = await service.app.inject({
      method: 'GET',
      url: `/v1/incidents/${incident.id}/events?limit=2&cursor=${page1.nextCursor}`,
      headers: reader(tenant),
    });
    const page2 = second.json<{ items: { type: string }[]; nextCursor: string | null }>();
    expect(page2.items.map((e) => e.type)).toEqual(['investigating', 'mitigated']);
    expect(page2.nextCursor).toBeNull();
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: `/v1/incidents/${incident.id}/events?cursor=garbage`,
        headers: reader(tenant),
      }),
      400,
      'invalid_cursor',
    );
  });
});

describe('lifecycle commands', () => {
  it('walks open → acknowledged → investigating → mitigated → investigating → mitigated → resolved, then takes a post-mortem note', async () => {
    const incident = await openManual(service, tenant, { escalationSteps: STEPS });
    clock.advanceMinutes(1);
    const ack = await runCommand(service, tenant, incident.id, 'acknowledge', {
      actor: 'alice',
      note: 'on it',
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.headers.etag).toBe('"2"');
    expect(ack.json<IncidentBody>()).toMatchObject({
      status: 'acknowledged',
      acknowledgedAt: clock.iso(),
      nextEscalationAt: null,
      version: 2,
    });
    for (const [verb, status] of [
      ['investigate', 'investigating'],
      ['mitigate', 'mitigated'],
      ['investigate', 'investigating'],
      ['mitigate', 'mitigated'],
    ] as const) {
      clock.advanceMinutes(1);
      const res = await runCommand(service, tenant, incident.id, verb, {
        actor: 'alice',
        note: `${verb} note`,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<IncidentBody>().status).toBe(status);
    }
    clock.advanceMinutes(1);
    const resolved = await runCommand(service, tenant, incident.id, 'resolve', {
      actor: 'alice',
      rootCause: 'Connection pool exhausted',
      note: 'pool restored',
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json<IncidentBody>()).toMatchObject({
      status: 'resolved',
      resolvedAt: clock.iso(),
      rootCause: 'Connection pool exhausted',
      version: 7,
    });
    const note = await runCommand(service, tenant, incident.id, 'postmortem-notes', {
      actor: 'bob',
      note: 'Add a pool saturation alert',
    });
    expect(note.statusCode, note.body).toBe(200);
    expect(note.json<IncidentBody>()).toMatchObject({ status: 'resolved', version: 8 });

    const timeline = await timelineOf(service, tenant, incident.id);
    expect(timeline.map((e) => [e.type, e.actor, e.note])).toEqual([
      ['opened', 'dev-user', null],
      ['acknowledged', 'alice', 'on it'],
      ['investigating', 'alice', 'investigate note'],
      ['mitigated', 'alice', 'mitigate note'],
      ['investigating', 'alice', 'investigate note'],
      ['mitigated', 'alice', 'mitigate note'],
      ['resolved', 'alice', 'pool restored'],
      ['postmortem_note', 'bob', 'Add a pool saturation alert'],
    ]);
  });

  it.each(['open', 'acknowledged', 'investigating', 'mitigated'])(
    'resolves straight from %s',
    async (status) => {
      const incident = await incidentIn(status);
      const res = await runCommand(service, tenant, incident.id, 'resolve', {
        actor: 'user-42',
        rootCause: 'bad deploy',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<IncidentBody>().status).toBe('resolved');
    },
  );

  // Every move INCIDENT_TRANSITIONS (docs/design.md#incident) does not allow, except to resolved.
  it.each([
    ['open', 'investigate'],
    ['open', 'mitigate'],
    ['acknowledged', 'acknowledge'],
    ['acknowledged', 'mitigate'],
    ['investigating', 'acknowledge'],
    ['investigating', 'investigate'],
    ['mitigated', 'acknowledge'],
    ['mitigated', 'mitigate'],
  ])('refuses %s → %s with 422 incident.illegal_transition', async (status, verb) => {
    const incident = await incidentIn(status);
    const res = await runCommand(service, tenant, incident.id, verb);
    expectProblem(res, 422, 'incident.illegal_transition');
    const after = await service.app.inject({
      method: 'GET',
      url: `/v1/incidents/${incident.id}`,
      headers: reader(tenant),
    });
    expect(after.json<IncidentBody>()).toMatchObject({ status, version: incident.version });
  });

  it.each([
    ['missing', { actor: 'user-42' }],
    ['null', { actor: 'user-42', rootCause: null }],
    ['blank', { actor: 'user-42', rootCause: '   ' }],
  ])('refuses resolve with a %s rootCause: 422 incident.root_cause_required', async (_n, body) => {
    const incident = await incidentIn('investigating');
    expectProblem(
      await runCommand(service, tenant, incident.id, 'resolve', body),
      422,
      'incident.root_cause_required',
    );
  });

  it.each(['acknowledge', 'investigate', 'mitigate', 'escalate'])(
    'refuses %s on a resolved incident: 422 incident.resolved_immutable',
    async (verb) => {
      const incident = await incidentIn('resolved');
      expectProblem(
        await runCommand(service, tenant, incident.id, verb),
        422,
        'incident.resolved_immutable',
      );
    },
  );

  it('refuses a second resolve (resolved is final)', async () => {
    const incident = await incidentIn('resolved');
    expectProblem(
      await runCommand(service, tenant, incident.id, 'resolve', {
        actor: 'user-42',
        rootCause: 'again',
      }),
      422,
      'incident.resolved_immutable',
    );
  });

  it('refuses a post-mortem note before resolution and a blank one after', async () => {
    const open = await incidentIn('investigating');
    expectProblem(
      await runCommand(service, tenant, open.id, 'postmortem-notes', {
        actor: 'bob',
        note: 'too early',
      }),
      422,
      'incident.not_resolved',
    );
    const resolved = await incidentIn('resolved');
    expectProblem(
      await runCommand(service, tenant, resolved.id, 'postmortem-notes', {
        actor: 'bob',
        note: '  ',
      }),
      422,
      'incident.note_required',
    );
  });

  it('refuses a blank actor and an over-long note', async () => {
    const incident = await incidentIn('open');
    expectProblem(
      await runCommand(service, tenant, incident.id, 'acknowledge', { actor: ' ' }),
      422,
      'incident.actor_required',
    );
    expectProblem(
      await runCommand(service, tenant, incident.id, 'acknowledge', {
        actor: 'alice',
        note: 'x'.repeat(10_001),
      }),
      422,
      'incident.invalid_note',
    );
    const unchanged = await timelineOf(service, tenant, incident.id);
    expect(unchanged.map((e) => e.type)).toEqual(['opened']);
  });

  it('escalates by hand step by step, then refuses with incident.no_escalation_step', async () => {
    const incident = await incidentIn('acknowledged');
    const first = await runCommand(service, tenant, incident.id, 'escalate', {
      actor: 'alice',
      note: 'need the DBA',
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<IncidentBody>().escalationSteps.map((s) => s.at !== null)).toEqual([
      true,
      false,
    ]);
    expect((await runCommand(service, tenant, incident.id, 'escalate')).statusCode).toBe(200);
    expectProblem(
      await runCommand(service, tenant, incident.id, 'escalate'),
      422,
      'incident.no_escalation_step',
    );
    const escalated = (await timelineOf(service, tenant, incident.id)).filter(
      (e) => e.type === 'escalated',
    );
    expect(escalated.map((e) => [e.actor, e.note])).toEqual([
      ['alice', 'level 1: primary: need the DBA'],
      ['user-42', 'level 2: secondary'],
    ]);
  });

  it('honours If-Match: the current version passes, a stale one answers 409, a malformed one 400', async () => {
    const incident = await incidentIn('open');
    const ok = await runCommand(service, tenant, incident.id, 'acknowledge', undefined, {
      'if-match': '"1"',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const stale = await runCommand(service, tenant, incident.id, 'investigate', undefined, {
      'if-match': '"1"',
    });
    expectProblem(stale, 409, 'version_conflict');
    const malformed = await runCommand(service, tenant, incident.id, 'investigate', undefined, {
      'if-match': 'v1',
    });
    expectProblem(malformed, 400, 'invalid_if_match');
  });

  it('answers 400 for unknown fields, a missing actor and malformed JSON on commands', async () => {
    const incident = await incidentIn('open');
    const unknown = await runCommand(service, tenant, incident.id, 'acknowledge', {
      actor: 'a',
      status: 'resolved',
    });
    const body = expectProblem(unknown, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'body.status', message: 'unknown field' }]);
    expectProblem(
      await runCommand(service, tenant, incident.id, 'mitigate', {}),
      400,
      'validation_failed',
    );
    const malformed = await service.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/acknowledge`,
      headers: { ...writer(tenant), 'content-type': 'application/json' },
      payload: '{"actor":',
    });
    expectProblem(malformed, 400, 'malformed_request');
    const big = await service.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/acknowledge`,
      headers: { ...writer(tenant), 'content-type': 'application/json' },
      payload: JSON.stringify({ actor: 'a', note: 'x'.repeat(2_000_000) }),
    });
    expectProblem(big, 413, 'body_too_large');
  });
});

describe('GET /v1/incidents', () => {
  it('filters by status, severity, projectId and source', async () => {
    const own = uniqueTenant('inc-list');
    const a = await openManual(service, own, { severity: 'critical', projectId: 'alpha' });
    const b = await openManual(service, own, { severity: 'info', projectId: 'beta' });
    expect((await runCommand(service, own, b.id, 'acknowledge', { actor: 'x' })).statusCode).toBe(
      200,
    );
    const ids = (items: IncidentBody[]) => items.map((i) => i.id).sort();
    expect(ids(await listOf(service, own))).toEqual([a.id, b.id].sort());
    expect(ids(await listOf(service, own, '?status=open'))).toEqual([a.id]);
    expect(ids(await listOf(service, own, '?status=acknowledged'))).toEqual([b.id]);
    expect(ids(await listOf(service, own, '?severity=info'))).toEqual([b.id]);
    expect(ids(await listOf(service, own, '?projectId=alpha'))).toEqual([a.id]);
    expect(ids(await listOf(service, own, '?source=manual'))).toEqual([a.id, b.id].sort());
    expect(await listOf(service, own, '?source=alert')).toEqual([]);
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/incidents?status=closed',
        headers: reader(own),
      }),
      400,
      'validation_failed',
    );
  });

  it('pages newest first by openedAt then id, without gaps or repeats', async () => {
    const own = uniqueTenant('inc-page');
    const opened: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      clock.advanceMinutes(1);
      opened.push((await openManual(service, own)).id);
      // Two incidents at the same instant: the id breaks the tie.
      if (i === 2) opened.push((await openManual(service, own)).id);
    }
    const seen: IncidentBody[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await service.app.inject({
        method: 'GET',
        url: `/v1/incidents${query}`,
        headers: reader(own),
      });
      const page = res.json<{ items: IncidentBody[]; nextCursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.map((i) => i.id).sort()).toEqual([...opened].sort());
    const order = seen.map((i) => [i.openedAt, i.id] as const);
    const sorted = [...order].sort((x, y) =>
      x[0] === y[0] ? (x[1] < y[1] ? 1 : -1) : x[0] < y[0] ? 1 : -1,
    );
    expect(order).toEqual(sorted);
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/incidents?cursor=bm90LWEtY3Vyc29y',
        headers: reader(own),
      }),
      400,
      'invalid_cursor',
    );
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document where every route has a description and every schema an example', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            description?: string;
            requestBody?: { content: Record<string, { schema: { example?: unknown } }> };
            responses: Record<
              string,
              { content?: Record<string, { schema: { example?: unknown } }> }
            >;
          }
        >
      >;
    }>();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.map((o) => o.route).sort()).toEqual(
      [
        'POST /v1/incidents',
        'GET /v1/incidents',
        'GET /v1/incidents/{id}',
        'GET /v1/incidents/{id}/events',
        'POST /v1/incidents/{id}/acknowledge',
        'POST /v1/incidents/{id}/investigate',
        'POST /v1/incidents/{id}/mitigate',
        'POST /v1/incidents/{id}/resolve',
        'POST /v1/incidents/{id}/escalate',
        'POST /v1/incidents/{id}/postmortem-notes',
        'POST /v1/escalation-policies',
        'GET /v1/escalation-policies',
        'GET /v1/escalation-policies/{id}',
        'PUT /v1/escalation-policies/{id}',
        'DELETE /v1/escalation-policies/{id}',
        'POST /v1/schedules',
        'GET /v1/schedules',
        'GET /v1/schedules/{id}',
        'GET /v1/schedules/{id}/on-call',
        'PUT /v1/schedules/{id}',
        'DELETE /v1/schedules/{id}',
      ].sort(),
    );
    for (const { route, op } of operations) {
      expect(op.description?.length ?? 0, route).toBeGreaterThan(40);
      const body = op.requestBody?.content['application/json']?.schema;
      if (route.startsWith('POST')) expect(body?.example, `${route} body`).toBeDefined();
      for (const [status, response] of Object.entries(op.responses)) {
        if (status === '204') {
          // A delete answers no content, and documents none.
          expect(response.content, `${route} ${status}`).toBeUndefined();
          continue;
        }
        // Errors are documented as they are answered: RFC 9457 application/problem+json.
        const type = Number(status) >= 400 ? 'application/problem+json' : 'application/json';
        expect(Object.keys(response.content ?? {}), `${route} ${status}`).toEqual([type]);
        expect(response.content?.[type]?.schema.example, `${route} ${status}`).toBeDefined();
      }
    }
  });
});

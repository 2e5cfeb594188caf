import type { RunningService } from '@obs/service-kit';
import { bearer, expectProblem, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ruleBody,
  seedMetric,
  startAlertRuleService,
  uniqueTenant,
} from '../../test/alert-rule-test-kit.js';

const tenant = uniqueTenant('receivers');
const auth = bearer(tenant, ['read', 'write']);
const metric = 'http.server.duration';
let service: RunningService;

beforeAll(async () => {
  service = await startAlertRuleService({ runConsumers: false, runJobs: false });
  await seedMetric(service, auth, tenant, metric);
});
afterAll(async () => {
  await service.close();
});

const body = (extra: Record<string, unknown> = {}) => ({
  name: `hook-${crypto.randomUUID().slice(0, 8)}`,
  type: 'webhook',
  url: 'https://hooks.example.com/alertmanager',
  ...extra,
});
const create = (payload: Record<string, unknown>, headers = auth) =>
  service.app.inject({ method: 'POST', url: '/v1/receivers', headers, payload });
const get = (id: string) =>
  service.app.inject({ method: 'GET', url: `/v1/receivers/${id}`, headers: auth });

describe('receivers API', () => {
  it('creates a receiver and shows the generated Standard Webhooks secret once, never again', async () => {
    const res = await create(body());
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<{ id: string; secret: string; version: number }>();
    expect(res.headers.location).toBe(`/v1/receivers/${created.id}`);
    expect(res.headers.etag).toBe('"1"');
    // whsec_ and the base64 of 24 random bytes; usable as a Standard Webhooks key.
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(24);
    const wh = new Webhook(created.secret);
    const signature = wh.sign('msg_1', new Date(), '{}');
    expect(signature).toMatch(/^v1,/);
    expect(created).toMatchObject({ sendResolved: false, type: 'webhook', version: 1 });

    const read = await get(created.id);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.json()).not.toHaveProperty('secret');
    expect(read.body).not.toContain(created.secret);
    const list = await service.app.inject({ method: 'GET', url: '/v1/receivers', headers: auth });
    expect(list.body).not.toContain('whsec_');
  });

  it("keeps the caller's own secret, and rotates it only when a replace gives one", async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const created = (await create(body({ secret, sendResolved: true }))).json<{
      id: string;
      secret: string;
      name: string;
    }>();
    expect(created.secret).toBe(secret);
    const replace = (payload: Record<string, unknown>, ifMatch?: string) =>
      service.app.inject({
        method: 'PUT',
        url: `/v1/receivers/${created.id}`,
        headers: { ...auth, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
        payload,
      });
    const same = await replace({ ...body({ name: created.name, sendResolved: true }) }, '"1"');
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json()).toMatchObject({ version: 1 });
    expect(same.json()).not.toHaveProperty('secret');
    const moved = await replace(
      body({ name: created.name, url: 'https://other.example.com/hook' }),
      '"1"',
    );
    expect(moved.json()).toMatchObject({
      version: 2,
      url: 'https://other.example.com/hook',
      sendResolved: false,
    });
    expectProblem(await replace(body({ name: created.name }), '"1"'), 409, 'version_conflict');
    const stored = await service.ctx.dataSource.query<{ secret: string }[]>(
      `SELECT secret FROM ${service.ctx.table('receivers')} WHERE id = $1`,
      [created.id],
    );
    expect(stored[0]?.secret).toBe(secret);
    const rotated = `whsec_${'C'.repeat(32)}`;
    await replace(body({ name: created.name, secret: rotated }));
    const after = await service.ctx.dataSource.query<{ secret: string }[]>(
      `SELECT secret FROM ${service.ctx.table('receivers')} WHERE id = $1`,
      [created.id],
    );
    expect(after[0]?.secret).toBe(rotated);
  });

  it('answers 409 for a name taken in the tenant (any case), 422 for a URL with credentials, 400 for a bad secret or type', async () => {
    const first = body();
    expect((await create(first)).statusCode).toBe(201);
    expectProblem(await create(body({ name: first.name.toUpperCase() })), 409, 'unique_violation');
    expectProblem(
      await create(body({ url: 'https://user:pw@hooks.example.com/x' })),
      422,
      'receiver.invalid_url',
    );
    expectProblem(await create(body({ secret: 'hunter2' })), 400, 'validation_failed');
    expectProblem(await create(body({ type: 'pagerduty' })), 400, 'validation_failed');
    expectProblem(await create(body({ extra: true })), 400, 'validation_failed');
  });

  it('lets rules name a receiver of the tenant, refuses an unknown or foreign one, and keeps a named receiver from deletion', async () => {
    const receiver = (await create(body())).json<{ id: string }>();
    const foreign = (await create(body(), bearer(uniqueTenant('foreign'), ['write']))).json<{
      id: string;
    }>();
    const rule = (actions: unknown[]) =>
      service.app.inject({
        method: 'POST',
        url: '/v1/alert-rules',
        headers: auth,
        payload: ruleBody(metric, { actions }),
      });
    for (const target of [foreign.id, crypto.randomUUID()]) {
      expectProblem(await rule([{ type: 'webhook', target }]), 422, 'alert_rule.unknown_receiver');
    }
    const named = await rule([
      { type: 'webhook', target: receiver.id.toUpperCase() },
      { type: 'webhook', target: 'https://legacy.example.com/hook' },
    ]);
    expect(named.statusCode, named.body).toBe(201);
    const ruleId = named.json<{ id: string }>().id;
    expect(named.json()).toMatchObject({
      actions: [
        { type: 'webhook', target: receiver.id },
        { type: 'webhook', target: 'https://legacy.example.com/hook' },
      ],
    });
    const remove = () =>
      service.app.inject({
        method: 'DELETE',
        url: `/v1/receivers/${receiver.id}`,
        headers: auth,
      });
    expectProblem(await remove(), 422, 'receiver.in_use');
    await service.app.inject({
      method: 'DELETE',
      url: `/v1/alert-rules/${ruleId}`,
      headers: auth,
    });
    expect((await remove()).statusCode).toBe(204);
    expect((await get(receiver.id)).statusCode).toBe(404);
  });

  it('creates slack, email and alertmanager receivers; a slack URL and SMTP credentials are write-only', async () => {
    const slackUrl = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETTOKEN';
    const slack = await create({
      name: `slack-${crypto.randomUUID().slice(0, 8)}`,
      type: 'slack',
      url: slackUrl,
    });
    expect(slack.statusCode, slack.body).toBe(201);
    expect(slack.json()).toMatchObject({
      type: 'slack',
      url: 'https://hooks.slack.com/…',
      email: null,
    });
    expect(slack.json()).not.toHaveProperty('secret');
    expect(slack.body).not.toContain('SECRETTOKEN');

    const email = {
      to: ['oncall@example.com'],
      from: 'alerts@example.com',
      smtp: { host: 'smtp.example.com', port: 587, tls: 'starttls' },
    };
    const mailName = `mail-${crypto.randomUUID().slice(0, 8)}`;
    const mail = await create({
      name: mailName,
      type: 'email',
      email,
      credentials: { username: 'relay-user', password: 'hunter2-password' },
    });
    expect(mail.statusCode, mail.body).toBe(201);
    const mailId = mail.json<{ id: string }>().id;
    expect(mail.json()).toMatchObject({
      type: 'email',
      url: null,
      email: { ...email, authenticated: true },
    });
    for (const res of [mail, await get(mailId)]) {
      expect(res.body).not.toContain('hunter2-password');
      expect(res.body).not.toContain('relay-user');
    }

    const am = await create({
      name: `am-${crypto.randomUUID().slice(0, 8)}`,
      type: 'alertmanager',
      url: 'http://alertmanager.example.com:9093',
    });
    expect(am.statusCode, am.body).toBe(201);
    expect(am.json()).toMatchObject({
      type: 'alertmanager',
      url: 'http://alertmanager.example.com:9093',
    });

    // A replace of the same kind without the write-only fields keeps them; null removes credentials.
    const replace = (id: string, payload: Record<string, unknown>) =>
      service.app.inject({ method: 'PUT', url: `/v1/receivers/${id}`, headers: auth, payload });
    const slackId = slack.json<{ id: string }>().id;
    const kept = await replace(slackId, { name: 'slack kept', type: 'slack', sendResolved: true });
    expect(kept.statusCode, kept.body).toBe(200);
    const stored = await service.ctx.dataSource.query<{ url: string }[]>(
      `SELECT url FROM ${service.ctx.table('receivers')} WHERE id = $1`,
      [slackId],
    );
    expect(stored[0]?.url).toBe(slackUrl);
    const unchanged = await replace(mailId, { name: mailName, type: 'email', email });
    expect(unchanged.json()).toMatchObject({ version: 1, email: { authenticated: true } });
    const removed = await replace(mailId, {
      name: mailName,
      type: 'email',
      email,
      credentials: null,
    });
    expect(removed.json()).toMatchObject({ version: 2, email: { authenticated: false } });

    // Another kind's fields, a missing one, a bad address or host: 400 by the schema, 422 by the domain.
    expectProblem(
      await create({ name: 'x1', type: 'slack', url: slackUrl, secret: `whsec_${'A'.repeat(32)}` }),
      400,
      'validation_failed',
    );
    expectProblem(
      await create({ name: 'x2', type: 'email', email, url: slackUrl }),
      400,
      'validation_failed',
    );
    expectProblem(await create({ name: 'x3', type: 'alertmanager' }), 400, 'validation_failed');
    expectProblem(
      await create({ name: 'x4', type: 'email', email: { ...email, to: ['a@b'] } }),
      422,
      'receiver.invalid_email',
    );
    expectProblem(
      await create({
        name: 'x5',
        type: 'email',
        email: { ...email, smtp: { ...email.smtp, host: '-mail.example.com' } },
      }),
      422,
      'receiver.invalid_smtp_host',
    );
    expectProblem(
      await create({
        name: 'x6',
        type: 'email',
        email: { ...email, smtp: { ...email.smtp, port: 70000 } },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await replace(slackId, {
        name: 'to webhook',
        type: 'webhook',
        url: 'https://hooks.example.com/x',
      }),
      422,
      'receiver.secret_required',
    );

    // Another tenant sees none of them.
    const stranger = bearer(uniqueTenant('stranger'), ['read', 'write']);
    for (const id of [slackId, mailId, am.json<{ id: string }>().id]) {
      const res = await service.app.inject({
        method: 'GET',
        url: `/v1/receivers/${id}`,
        headers: stranger,
      });
      expectProblem(res, 404, 'not_found');
      expectProblem(
        await service.app.inject({
          method: 'PUT',
          url: `/v1/receivers/${id}`,
          headers: stranger,
          payload: { name: 'n', type: 'slack', url: slackUrl },
        }),
        404,
        'not_found',
      );
    }
    const filtered = await service.app.inject({
      method: 'GET',
      url: '/v1/receivers?type=email',
      headers: auth,
    });
    expect(filtered.json<{ items: { id: string }[] }>().items.map((r) => r.id)).toEqual([mailId]);
  });

  it('pages receivers newest first with a keyset cursor', async () => {
    const pageTenant = uniqueTenant('receiver-pages');
    const headers = bearer(pageTenant, ['read', 'write']);
    for (let i = 0; i < 3; i += 1) await create(body(), headers);
    const first = await service.app.inject({
      method: 'GET',
      url: '/v1/receivers?limit=2',
      headers,
    });
    const page = first.json<{ items: unknown[]; nextCursor: string }>();
    expect(page.items).toHaveLength(2);
    const second = await service.app.inject({
      method: 'GET',
      url: `/v1/receivers?limit=2&cursor=${page.nextCursor}`,
      headers,
    });
    expect(second.json()).toMatchObject({ nextCursor: null });
    expect(second.json<{ items: unknown[] }>().items).toHaveLength(1);
    expectProblem(
      await service.app.inject({ method: 'GET', url: '/v1/notifications?status=lost', headers }),
      400,
      'validation_failed',
    );
  });

  it('never answers 5xx to random bodies on the receiver routes (fuzz)', async () => {
    const receiver = (await create(body())).json<{ id: string }>();
    const report = await fuzzWriteRoutes(service.app, {
      headers: auth,
      pathParams: { id: receiver.id },
      runsPerRoute: 60,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining(['POST /v1/receivers', 'PUT /v1/receivers/{id}']),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { gadgetFixtureService, KEEP_PREFIX } from '../../test/gadget-fixture.service.js';
import { bearer, expectProblem, startTestService, TestClock } from '../testing/index.js';

const clock = new TestClock();
let service: RunningService;
let tenantSeq = 0;
const tenant = (label: string) => `gadget-${label}-${Date.now()}-${++tenantSeq}`;
const writer = (t: string) => bearer(t, ['read', 'write']);

beforeAll(async () => {
  service = await startTestService(gadgetFixtureService, {
    kafka: false,
    runConsumers: false,
    runJobs: false,
    clock: clock.now,
  });
});
afterAll(async () => {
  await service.close();
});

interface Gadget {
  id: string;
  name: string;
  createdBy: string;
  sawAuthorization: boolean;
  version: number;
}

const post = (headers: Record<string, string>, name: string) =>
  service.app.inject({ method: 'POST', url: '/v1/gadgets', headers, payload: { name } });
const get = (headers: Record<string, string>, url: string) =>
  service.app.inject({ method: 'GET', url, headers });
const del = (headers: Record<string, string>, id: string) =>
  service.app.inject({ method: 'DELETE', url: `/v1/gadgets/${id}`, headers });
const outboxCount = async (aggregateId: string) => {
  const [row] = await service.ctx.dataSource.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM ${service.ctx.table('outbox')} WHERE message_key LIKE '%' || $1 || '%' OR envelope LIKE '%' || $1 || '%'`,
    [aggregateId],
  );
  return row?.n ?? 0;
};

describe('createRoute', () => {
  it('opens to any one of its scopes and hands the domain call the Authorization header', async () => {
    const t = tenant('scopes');
    const byPerson = await post(writer(t), 'from-person');
    expect(byPerson.statusCode, byPerson.body).toBe(201);
    expect(byPerson.json<Gadget>().sawAuthorization).toBe(true);
    const byMachine = await post(bearer(t, ['ingest']), 'from-machine');
    expect(byMachine.statusCode, byMachine.body).toBe(201);
    expectProblem(await post(bearer(t, ['read']), 'nope'), 403, 'missing_scope');
  });

  it('answers 409 for a unique index, 422 with the domain code', async () => {
    const t = tenant('conflict');
    expect((await post(writer(t), 'same')).statusCode).toBe(201);
    expectProblem(await post(writer(t), 'same'), 409, 'unique_violation');
    expectProblem(await post(writer(t), 'bad-one'), 422, 'gadget.bad_name');
  });

  it('replays a retry with the same Idempotency-Key and creates nothing', async () => {
    const t = tenant('idem');
    const headers = { ...writer(t), 'idempotency-key': 'retry-1' };
    const first = await post(headers, 'once');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(headers, 'once');
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.json()).toEqual(first.json());
    const page = await get(writer(t), '/v1/gadgets');
    expect(page.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('refuses a key reused with another meaning (body or caller): 422 idempotency_key_reused', async () => {
    const t = tenant('idem-reuse');
    const headers = { ...writer(t), 'idempotency-key': 'k' };
    expect((await post(headers, 'first')).statusCode).toBe(201);
    expectProblem(await post(headers, 'second'), 422, 'idempotency_key_reused');
    const machine = { ...bearer(t, ['ingest'], 'agent-7'), 'idempotency-key': 'k' };
    expectProblem(await post(machine, 'first'), 422, 'idempotency_key_reused');
  });

  it('creates one resource for concurrent requests with one key, and keys are per tenant', async () => {
    const a = tenant('idem-race');
    const headers = { ...writer(a), 'idempotency-key': 'race' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(headers, 'raced')));
    expect(answers.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((r) => r.json<Gadget>().id)).size).toBe(1);
    const b = tenant('idem-other');
    const other = await post({ ...writer(b), 'idempotency-key': 'race' }, 'raced');
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not remember a refused request, and forgets keys after their TTL', async () => {
    const t = tenant('idem-ttl');
    const headers = { ...writer(t), 'idempotency-key': 'ttl' };
    expectProblem(await post(headers, 'bad-first'), 422, 'gadget.bad_name');
    const first = await post(headers, 'good');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    clock.advanceMinutes(25 * 60);
    await service.jobs.get('idempotency-purge')!.runOnce();
    const later = await post(headers, 'good-again');
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json<Gadget>().id).not.toBe(first.json<Gadget>().id);
  });

  it('hands the domain call the transaction the aggregate is saved in', async () => {
    const t = tenant('create-tx');
    await post(writer(t), 'first');
    const res = await post(writer(t), 'nth-');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Gadget>().name).toBe('nth-2');
  });

  it('refuses a malformed key with 400 naming the header', async () => {
    const res = await post({ ...writer(tenant('idem-bad')), 'idempotency-key': 'a b' }, 'x');
    expectProblem(res, 400, 'validation_failed');
    expect(res.body).toContain('idempotency-key');
  });
});

describe('getRoute and listRoute', () => {
  it("answers the resource with its ETag, and 404 for another tenant's id", async () => {
    const t = tenant('get');
    const created = (await post(writer(t), 'g')).json<Gadget>();
    const res = await get(writer(t), `/v1/gadgets/${created.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json()).toEqual(created);
    expectProblem(
      await get(writer(tenant('other')), `/v1/gadgets/${created.id}`),
      404,
      'not_found',
    );
  });

  it('hands a get route its validated querystring, and names a bad parameter in the 400', async () => {
    const t = tenant('get-query');
    const created = (await post(writer(t), 'q')).json<Gadget>();
    const url = `/v1/gadgets/${created.id}/with-suffix`;
    expect((await get(writer(t), `${url}?suffix=ok`)).json<Gadget>().name).toBe('qok');
    expect((await get(writer(t), url)).json<Gadget>().name).toBe('q!');
    const bad = await get(writer(t), `${url}?suffix=toolong`);
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body).toContain('querystring.suffix');
    expectProblem(await get(writer(tenant('q-other')), url), 404, 'not_found');
  });

  it('pages newest first over the keyset, filters, and refuses a forged cursor with 400', async () => {
    const t = tenant('list');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advanceMinutes(1);
      ids.push((await post(writer(t), `item-${i}`)).json<Gadget>().id);
    }
    await post(writer(tenant('list-other')), 'item-x');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/gadgets?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await get(writer(t), url)).json<{
        items: Gadget[];
        nextCursor: string | null;
      }>();
      seen.push(...page.items.map((g) => g.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const filtered = await get(writer(t), '/v1/gadgets?prefix=item-3');
    expect(filtered.json<{ items: Gadget[] }>().items.map((g) => g.id)).toEqual([ids[3]]);
    expectProblem(await get(writer(t), '/v1/gadgets?cursor=nope'), 400, 'invalid_cursor');
  });

  it('hands a list route the caller, for a list that depends on who asks', async () => {
    const t = tenant('list-mine');
    await post(bearer(t, ['write'], 'alice'), 'by-alice');
    const mine = await post(bearer(t, ['write'], 'bob'), 'by-bob');
    const page = await get(bearer(t, ['read'], 'bob'), '/v1/gadgets?mine=true');
    expect(page.json<{ items: Gadget[] }>().items.map((g) => g.id)).toEqual([
      mine.json<Gadget>().id,
    ]);
  });
});

describe('deleteRoute', () => {
  it('deletes with 204 and publishes the farewell event in the same unit of work', async () => {
    const t = tenant('del');
    const created = (await post(writer(t), 'doomed')).json<Gadget>();
    const before = await outboxCount(created.id);
    expect((await del(writer(t), created.id)).statusCode).toBe(204);
    expectProblem(await get(writer(t), `/v1/gadgets/${created.id}`), 404, 'not_found');
    expect(await outboxCount(created.id)).toBe(before + 1);
    expectProblem(await del(writer(t), created.id), 404, 'not_found');
  });

  it("answers 404 for another tenant's id, 409 for a stale If-Match, 422 when the domain refuses", async () => {
    const t = tenant('del-guard');
    const created = (await post(writer(t), 'guarded')).json<Gadget>();
    expectProblem(await del(writer(tenant('intruder')), created.id), 404, 'not_found');
    const stale = await service.app.inject({
      method: 'DELETE',
      url: `/v1/gadgets/${created.id}`,
      headers: { ...writer(t), 'if-match': '"7"' },
    });
    expectProblem(stale, 409, 'version_conflict');
    const kept = (await post(writer(t), `${KEEP_PREFIX}me`)).json<Gadget>();
    expectProblem(await del(writer(t), kept.id), 422, 'gadget.kept');
    expect((await get(writer(t), `/v1/gadgets/${kept.id}`)).statusCode).toBe(200);
    expect((await get(writer(t), `/v1/gadgets/${created.id}`)).statusCode).toBe(200);
  });
});

describe('deleteRoute with keep', () => {
  it('retires the aggregate and saves it at its next version; the row stays readable', async () => {
    const t = tenant('keep');
    const created = (await post(writer(t), 'kept-row')).json<Gadget>();
    const before = await outboxCount(created.id);
    const retire = (headers: Record<string, string>) =>
      service.app.inject({ method: 'DELETE', url: `/v1/gadgets/${created.id}/active`, headers });
    expectProblem(await retire(writer(tenant('intruder'))), 404, 'not_found');
    expect((await retire(writer(t))).statusCode).toBe(204);
    const read = await get(writer(t), `/v1/gadgets/${created.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ name: 'retired-kept-row' });
    expect(read.headers.etag).toBe('"2"');
    expect(await outboxCount(created.id)).toBe(before + 1);
  });
});

describe('the OpenAPI document of the kit routes', () => {
  it("shows the list page with its item's example, and a route's own note on a status", async () => {
    const doc = (await get({}, '/docs/json')).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    const page = JSON.stringify(doc.paths['/v1/gadgets']?.get?.responses['200']);
    expect(page).toContain('"nextCursor":null');
    expect(page).toContain('sprocket');
    const created = JSON.stringify(doc.paths['/v1/gadgets']?.post?.responses['503']);
    expect(created).toContain('registry_down');
    expect(JSON.stringify(doc.paths['/v1/gadgets']?.post?.responses['409'])).toContain('Conflict');
  });
});

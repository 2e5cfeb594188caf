import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { bearer, expectProblem, startTestService } from '../testing/index.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';

let service: RunningService;
beforeAll(async () => {
  service = await startTestService(widgetFixtureService, { runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

const WIDGET = '/v1/widgets/00000000-0000-4000-8000-000000000000';

describe('HTTP conventions every service gets from the kit', () => {
  it('answers 405 with Allow for a method a path does not declare, before reading any body', async () => {
    for (const method of ['DELETE', 'PATCH'] as const) {
      const res = await service.app.inject({
        method,
        url: WIDGET,
        headers: bearer('t', ['admin']),
      });
      expectProblem(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe('GET, HEAD, PUT');
    }
    const query = await service.app.inject({ method: 'QUERY' as 'GET', url: WIDGET });
    expect(query.statusCode).toBe(405);
  });

  it('refuses an over-long path parameter as a 400 naming it, not find-my-way 414', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/widgets/${'a'.repeat(300)}`,
      headers: bearer('t', ['read']),
    });
    const body = expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(body)).toContain('id');
  });

  it('refuses U+0000 in a path parameter, a query parameter or a body as a 400 naming it', async () => {
    const cases = [
      { method: 'GET', url: '/v1/widgets/a%00b', field: 'params.id' },
      { method: 'GET', url: `${WIDGET}?q=x%00`, field: 'querystring.q' },
      {
        method: 'POST',
        url: '/v1/widgets',
        payload: { name: 'a\u0000b', panelCount: 1 },
        field: 'body.name',
      },
      // A key holding U+0000 is named without it: no answer may carry U+0000 either.
      {
        method: 'POST',
        url: '/v1/widgets',
        payload: { name: 'a', panelCount: 1, 'x\u0000y': 1 },
        field: 'body.x\uFFFDy',
      },
    ] as const;
    for (const { field, ...request } of cases) {
      const res = await service.app.inject({ ...request, headers: bearer('t', ['read', 'write']) });
      const body = expectProblem(res, 400, 'validation_failed');
      expect(body.errors).toEqual([{ field, message: 'must not contain U+0000' }]);
    }
  });

  it('still answers 404 for a path that does not exist', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expectProblem(res, 404, 'not_found');
  });

  it('documents that no string may hold U+0000 (PostgreSQL text cannot store it)', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                { schema: { properties: Record<string, { pattern?: string }> } }
              >;
            };
          }
        >
      >;
    }>();
    const body = doc.paths['/v1/widgets']?.post?.requestBody?.content['application/json']?.schema;
    expect(body?.properties.name?.pattern).toBe('^[^\\u0000]*$');
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/widgets',
      headers: bearer('t', ['write']),
      payload: { name: 'a\u0000b', panelCount: 1 },
    });
    expect(res.statusCode).toBe(400);
  });
});

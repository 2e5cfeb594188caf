import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedOperations, fillPlaceholders, injectRoute } from './route-access.js';

// An app that answers with what it was sent, so each test sees the request injectRoute built.
const app = Fastify();
app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
app.all('/*', (req, reply) => {
  void reply.send({
    method: req.method,
    url: req.url,
    contentType: req.headers['content-type'] ?? null,
    authorization: req.headers.authorization ?? null,
    body: req.body ?? null,
  });
});
beforeAll(() => app.ready());
afterAll(() => app.close());

describe('injectRoute', () => {
  it('fills the path and the strings of a JSON body, and sends it as application/json', async () => {
    const res = await injectRoute(
      app,
      {
        method: 'POST',
        path: '/v1/x/{id}/y',
        scope: 'write',
        body: { projectId: '{id}', other: '{unknown}', n: 1 },
      },
      { authorization: 'Bearer t' },
      { id: 'abc' },
    );
    expect(res.json()).toEqual({
      method: 'POST',
      url: '/v1/x/abc/y',
      contentType: 'application/json',
      authorization: 'Bearer t',
      body: { projectId: 'abc', other: '{unknown}', n: 1 },
    });
  });

  it('sends a string body as its content type, with the query, and no body when there is none', async () => {
    const yaml = await injectRoute(
      app,
      { method: 'POST', path: '/i', scope: 'write', body: () => 'a: 1', contentType: 'text/yaml' },
      {},
    );
    expect(yaml.json()).toMatchObject({ contentType: 'text/yaml', body: 'a: 1' });
    const get = await injectRoute(
      app,
      { method: 'GET', path: '/q', scope: 'read', query: { a: 'b c' } },
      {},
    );
    expect(get.json()).toMatchObject({ url: '/q?a=b+c', contentType: null, body: null });
  });

  it("builds a form anew for each request, its headers over the caller's", async () => {
    let built = 0;
    const route = {
      method: 'POST',
      path: '/f',
      scope: 'write',
      form: () => ({ payload: `form-${++built}`, headers: { 'content-type': 'text/plain' } }),
    } as const;
    await injectRoute(app, route, { 'content-type': 'application/json' });
    const res = await injectRoute(app, route, {});
    expect(res.json()).toMatchObject({ contentType: 'text/plain', body: 'form-2' });
  });

  it('refuses a path placeholder that has no value', () => {
    expect(() => fillPlaceholders('/v1/x/{id}', {})).toThrow(/no value for \{id\}/);
  });
});

describe('documentedOperations', () => {
  it('lists every method of every path as METHOD /path, sorted', () => {
    expect(
      documentedOperations({ paths: { '/b': { get: {}, post: {} }, '/a': { delete: {} } } }),
    ).toEqual(['DELETE /a', 'GET /b', 'POST /b']);
  });
});

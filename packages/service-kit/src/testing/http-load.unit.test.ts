import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postFromLoadThread } from './http-load.js';

describe('postFromLoadThread', () => {
  const received: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(`${request.headers['x-test'] as string}:${body}`);
      response.statusCode = body === 'bad' ? 422 : 200;
      response.end(body === 'bad' ? 'refused: bad' : '{}');
    });
  });
  let url = '';
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/load`;
  });
  afterAll(() => server.close());

  it('sends every body with the headers from another thread and reports each answer', async () => {
    const bodies = ['a', new TextEncoder().encode('b'), 'bad', 'c', 'd'];
    const result = await postFromLoadThread({
      url,
      headers: { 'x-test': 'yes' },
      bodies,
      connections: 2,
    });
    expect(received.sort()).toEqual(['yes:a', 'yes:b', 'yes:bad', 'yes:c', 'yes:d']);
    expect([...result.statuses].sort()).toEqual([200, 200, 200, 200, 422]);
    expect(result.latenciesMs).toHaveLength(5);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.firstFailure).toBe('422 refused: bad');
  });

  it('fails loudly when the target cannot be reached', async () => {
    await expect(
      postFromLoadThread({ url: 'http://127.0.0.1:1/none', headers: {}, bodies: ['x'] }),
    ).rejects.toThrow(/load thread failed/);
  });
});

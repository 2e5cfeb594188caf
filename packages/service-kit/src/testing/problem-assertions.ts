import { expect } from 'vitest';

interface InjectedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  json(): unknown;
}

/** Asserts an RFC 9457 problem with the given status and code, and that nothing internal leaked. */
export function expectProblem(
  res: InjectedResponse,
  status: number,
  code: string,
): Record<string, unknown> {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  for (const member of ['type', 'title', 'detail', 'instance'])
    expect(typeof body[member]).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|QueryFailedError|SELECT |INSERT /);
  return body;
}

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureCredential } from './azure-credential.js';

/**
 * The managed identity path a Container App takes, against a local identity endpoint: Azure gives
 * the process IDENTITY_ENDPOINT and IDENTITY_HEADER, and @azure/identity asks that endpoint for a
 * token for the query API's resource.
 */
const seen: IncomingMessage[] = [];
const server = createServer((req, res) => {
  seen.push(req);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      access_token: 'token-from-the-identity-endpoint',
      expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      resource: 'https://api.loganalytics.io',
      token_type: 'Bearer',
    }),
  );
});
const saved = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  for (const name of [
    'AZURE_CLIENT_ID',
    'AZURE_TENANT_ID',
    'AZURE_CLIENT_SECRET',
    'AZURE_FEDERATED_TOKEN_FILE',
  ])
    delete process.env[name];
  process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`;
  process.env.IDENTITY_HEADER = 'identity-header-secret';
});
afterAll(async () => {
  process.env = saved;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('azureCredential', () => {
  it('gets a token from the managed identity endpoint Container Apps provides', async () => {
    const token = await azureCredential().getToken('https://api.loganalytics.io/.default');
    expect(token?.token).toBe('token-from-the-identity-endpoint');
    const request = seen.at(-1);
    expect(request?.headers['x-identity-header']).toBe('identity-header-secret');
    const url = new URL(request?.url ?? '', 'http://127.0.0.1');
    expect(url.pathname).toBe('/msi/token');
    expect(url.searchParams.get('resource')).toBe('https://api.loganalytics.io');
  });
});

import type { TokenCredential } from './log-store/log-analytics-log-store.js';

/**
 * A TokenCredential from the managed identity endpoint Azure Container Apps and App Service give a
 * process (IDENTITY_ENDPOINT + IDENTITY_HEADER). `@azure/identity` would do this and more, but it is
 * not a dependency of this service; this covers the deployment the Bicep files describe.
 */
export function managedIdentityCredential(env: NodeJS.ProcessEnv): TokenCredential {
  const endpoint = env.IDENTITY_ENDPOINT;
  const header = env.IDENTITY_HEADER;
  return {
    async getToken(scopes) {
      if (!endpoint || !header) {
        throw new Error('no managed identity: IDENTITY_ENDPOINT and IDENTITY_HEADER are not set');
      }
      const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : String(scopes);
      const url = new URL(endpoint);
      url.searchParams.set('resource', scope.replace(/\/\.default$/, ''));
      url.searchParams.set('api-version', '2019-08-01');
      if (env.AZURE_CLIENT_ID) url.searchParams.set('client_id', env.AZURE_CLIENT_ID);
      const res = await fetch(url, { headers: { 'X-IDENTITY-HEADER': header } });
      if (!res.ok) throw new Error(`managed identity endpoint answered ${res.status}`);
      const body = (await res.json()) as { access_token?: string; expires_on?: string | number };
      if (typeof body.access_token !== 'string')
        throw new Error('managed identity: no access_token');
      return {
        token: body.access_token,
        expiresOnTimestamp: Number(body.expires_on ?? 0) * 1000,
      };
    },
  };
}

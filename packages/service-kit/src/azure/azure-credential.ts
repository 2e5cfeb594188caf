import type { TokenCredential } from '@azure/identity';

export type { TokenCredential };

/**
 * The credential a service uses for Azure data-plane APIs (the Log Analytics and Application
 * Insights query APIs): @azure/identity's DefaultAzureCredential, which tries, in order, a
 * service principal from AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, workload
 * identity, then the managed identity Container Apps gives a process (AZURE_CLIENT_ID picks the
 * user-assigned one infra/bicep assigns), then a developer's Azure CLI login.
 *
 * The library is loaded at the first token request, so the services that never query Azure (all
 * of them, with the default settings) do not pay for loading it.
 */
export function azureCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(
        ({ DefaultAzureCredential }) => new DefaultAzureCredential(),
      );
      return (await credential).getToken(scopes, options);
    },
  };
}

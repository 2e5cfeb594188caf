/** Default ports of the eleven services (docs/design.md#ports). */
export const SERVICE_PORTS = {
  'trace-service': 4101,
  'log-query-service': 4102,
  'metric-aggregation-service': 4103,
  'dashboard-service': 4104,
  'alert-rule-service': 4105,
  'incident-service': 4106,
  'feedback-service': 4107,
  'quality-score-service': 4108,
  'cost-telemetry-service': 4109,
  'slo-service': 4110,
  'telemetry-correlation-service': 4111,
} as const;

export type ServiceName = keyof typeof SERVICE_PORTS;

/** The environment variable naming a service's base URL, e.g. METRIC_AGGREGATION_SERVICE_URL. */
export function serviceUrlVariable(name: ServiceName): string {
  return `${name.replaceAll('-', '_').toUpperCase()}_URL`;
}

/** `<NAME>_URL` when set (a deployment), else the service's default port on this host. */
export function serviceUrl(name: ServiceName, source: NodeJS.ProcessEnv = process.env): string {
  const configured = source[serviceUrlVariable(name)];
  return configured && configured.trim() !== ''
    ? configured.replace(/\/+$/, '')
    : `http://127.0.0.1:${SERVICE_PORTS[name]}`;
}

export type UpstreamResult<T> =
  | { readonly kind: 'ok'; readonly status: number; readonly body: T }
  /** 404: unknown, or another tenant's (the caller's token was forwarded). */
  | { readonly kind: 'not_found' }
  /** Any other 4xx: the upstream refused the call (its problem detail, when it sent one). */
  | { readonly kind: 'refused'; readonly status: number; readonly detail: string }
  /** Nothing usable came back: connection refused, timeout, a 5xx or a body that is not JSON. */
  | { readonly kind: 'unavailable'; readonly detail: string };

export type QueryValue = string | number | boolean | undefined;

/**
 * Reads another service's REST API on behalf of the caller: the caller's Authorization header is
 * forwarded as it came, so the upstream applies the caller's tenant and scopes
 * (docs/design.md#ports). Every outcome is a value, never a throw, so a caller can answer
 * partially when an upstream is down instead of failing whole.
 */
export class UpstreamClient {
  private readonly timeoutMs: number;

  constructor(
    readonly service: ServiceName,
    readonly baseUrl: string,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  async getJson<T>(
    path: string,
    authorization: string | undefined,
    query: Readonly<Record<string, QueryValue>> = {},
  ): Promise<UpstreamResult<T>> {
    const url = new URL(path, `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: 'application/json',
          ...(authorization ? { authorization } : {}),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      return { kind: 'unavailable', detail: `${this.service}: ${describe(error)}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status === 404) return { kind: 'not_found' };
    if (response.status >= 500) {
      return { kind: 'unavailable', detail: `${this.service} answered ${response.status}` };
    }
    if (response.status >= 400) {
      return { kind: 'refused', status: response.status, detail: problemDetail(text, response) };
    }
    try {
      return { kind: 'ok', status: response.status, body: JSON.parse(text) as T };
    } catch {
      return { kind: 'unavailable', detail: `${this.service} answered a body that is not JSON` };
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as Error & { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}

function problemDetail(text: string, response: Response): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    if (typeof body.detail === 'string') return body.detail;
  } catch {
    // Not a problem document; the status says enough.
  }
  return `answered ${response.status}`;
}

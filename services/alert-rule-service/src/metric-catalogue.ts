import { DomainError } from '@obs/domain';
import { HttpProblem, UpstreamClient } from '@obs/service-kit';

/**
 * "The condition references a resolvable metric", checked against the catalogue that owns the
 * metrics: metric-aggregation-service's GET /v1/metrics/{name}, called with the caller's own
 * token, so a tenant can only resolve metrics it sent itself (another tenant's is a 404 there).
 */
export class MetricCatalogue {
  private readonly client: UpstreamClient;

  constructor(baseUrl: string, timeoutMs?: number) {
    this.client = new UpstreamClient('metric-aggregation-service', baseUrl, { timeoutMs });
  }

  /**
   * Resolves the metric or refuses: unseen → 422 `alert_rule.metric_unresolvable`, the catalogue
   * refusing the token (e.g. no `read` scope) → the same 422 naming why, the catalogue down →
   * 503 (the rule is neither accepted nor refused on a guess). `allowUnresolved` skips the call:
   * a rule may be written before its metric first arrives.
   */
  async resolve(
    metric: string,
    authorization: string | undefined,
    allowUnresolved: boolean,
  ): Promise<void> {
    if (allowUnresolved) return;
    const result = await this.client.getJson(
      `/v1/metrics/${encodeURIComponent(metric)}`,
      authorization,
    );
    switch (result.kind) {
      case 'ok':
        return;
      case 'not_found':
        throw new DomainError(
          'alert_rule.metric_unresolvable',
          `metric ${metric} has not been reported by this tenant; pass allowUnresolved=true to create the rule anyway`,
          { metric },
        );
      case 'refused':
        throw new DomainError(
          'alert_rule.metric_unresolvable',
          `the metric catalogue refused to resolve ${metric} (${result.status}): ${result.detail}`,
          { metric },
        );
      case 'unavailable':
        throw new HttpProblem(
          503,
          'upstream_unavailable',
          'Service Unavailable',
          `the metric catalogue is unavailable: ${result.detail}`,
        );
    }
  }
}

import { HttpProblem, UpstreamClient } from '@obs/service-kit';
import type { DashboardServiceConfig } from './config.js';

/** The owning services this one reads, with the caller's token. */
export interface Upstreams {
  readonly metrics: UpstreamClient;
  readonly slos: UpstreamClient;
  readonly retryAfterSeconds: number;
}

export function upstreamsFrom(config: DashboardServiceConfig): Upstreams {
  const options = { timeoutMs: config.upstreamTimeoutMs };
  return {
    metrics: new UpstreamClient('metric-aggregation-service', config.metricServiceUrl, options),
    slos: new UpstreamClient('slo-service', config.sloServiceUrl, options),
    retryAfterSeconds: config.retryAfterSeconds,
  };
}

/**
 * A panel reference could not be checked because its owning service is down: the definition is
 * neither accepted nor refused (nothing is written), and the client may try again after a while.
 * The kit's error handler turns `retryAfterSeconds` into a Retry-After header.
 */
export class UpstreamUnavailable extends HttpProblem {
  constructor(detail: string, retryAfterSeconds: number) {
    super(503, 'upstream_unavailable', 'Service Unavailable', detail, undefined, retryAfterSeconds);
    this.name = 'UpstreamUnavailable';
  }
}

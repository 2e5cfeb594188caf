import { stableId } from '../kernel/stable-hash.js';
import type { WindowSize } from '../kernel/time.js';

export interface MetricSeriesIdentity {
  readonly tenantId: string;
  readonly projectId: string;
  readonly metricName: string;
  readonly window: WindowSize;
  /** ISO-8601 UTC start of the window. */
  readonly windowStart: string;
  readonly groupKey: string;
}

/**
 * The deterministic id the repository upserts by (`ms_` + FNV-1a 128 of the parts). projectId is
 * part of it: without it, two projects with a service of the same name would share a series.
 */
export function metricSeriesId(identity: MetricSeriesIdentity): string {
  return stableId('ms', [
    identity.tenantId,
    identity.projectId,
    identity.metricName,
    identity.window,
    identity.windowStart,
    identity.groupKey,
  ]);
}

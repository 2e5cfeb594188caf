import type { PanelReferences } from '@obs/domain';
import { HttpProblem, type UpstreamResult } from '@obs/service-kit';
import { UpstreamUnavailable, type Upstreams } from './upstreams.js';

/** What a panel of a request body references (before the domain trims and checks it). */
interface PanelSource {
  readonly metric?: string | null;
  readonly sloId?: string | null;
}

/** At most this many reference reads in flight for one request. */
const CONCURRENCY = 8;

const referenceOf = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
};

type Outcome = 'known' | 'unknown';

async function mapLimited<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

/**
 * Resolves the panels' metric and SLO references against their owning services with the
 * caller's token, so tenancy holds there too (another tenant's SLO is a 404, so unknown). The
 * domain then refuses the first panel whose reference is unknown (422 naming the panel).
 *
 * - `alreadyResolved` are the references of the stored dashboard: they resolved when they were
 *   added and are not asked again (a rename does not depend on the owning services being up).
 * - 404 or another refusal about the reference itself (a 400 for a name the owner cannot hold)
 *   makes it unknown.
 * - 401/403 from the owner means the caller's token may not read it: 403, as here.
 * - An owner that cannot be reached (or answers 5xx or 429) answers 503 with Retry-After: the
 *   definition is neither accepted nor refused.
 */
export async function resolvePanelReferences(
  upstreams: Upstreams,
  authorization: string | undefined,
  panels: readonly PanelSource[],
  alreadyResolved: PanelReferences = { knownMetrics: new Set(), knownSloIds: new Set() },
): Promise<PanelReferences> {
  const metrics = [...new Set(panels.map((p) => referenceOf(p.metric)))].filter(
    (m): m is string => m !== null && !alreadyResolved.knownMetrics.has(m),
  );
  const slos = [...new Set(panels.map((p) => referenceOf(p.sloId)))].filter(
    (s): s is string => s !== null && !alreadyResolved.knownSloIds.has(s),
  );
  const asked = [
    ...metrics.map((name) => ({ kind: 'metric' as const, ref: name })),
    ...slos.map((id) => ({ kind: 'slo' as const, ref: id })),
  ];
  const outcomes = await mapLimited(asked, async ({ kind, ref }) => {
    const result =
      kind === 'metric'
        ? await upstreams.metrics.getJson(`/v1/metrics/${encodeURIComponent(ref)}`, authorization)
        : await upstreams.slos.getJson(`/v1/slos/${encodeURIComponent(ref)}`, authorization);
    return { kind, ref, outcome: outcomeOf(result, kind, ref, upstreams.retryAfterSeconds) };
  });
  const knownMetrics = new Set(alreadyResolved.knownMetrics);
  const knownSloIds = new Set(alreadyResolved.knownSloIds);
  for (const { kind, ref, outcome } of outcomes) {
    if (outcome !== 'known') continue;
    (kind === 'metric' ? knownMetrics : knownSloIds).add(ref);
  }
  return { knownMetrics, knownSloIds };
}

function outcomeOf(
  result: UpstreamResult<unknown>,
  kind: 'metric' | 'slo',
  ref: string,
  retryAfterSeconds: number,
): Outcome {
  const owner = kind === 'metric' ? 'metric-aggregation-service' : 'slo-service';
  switch (result.kind) {
    case 'ok':
      return 'known';
    case 'not_found':
      return 'unknown';
    case 'refused':
      if (result.status === 401 || result.status === 403) {
        throw new HttpProblem(
          403,
          'reference_forbidden',
          'Forbidden',
          `${owner} refused to show ${kind} ${ref} to this token (${result.detail}); panel references are read with the caller's token, which needs the read scope`,
        );
      }
      // Rate limited by the owner: as unavailable, the answer says nothing about the reference.
      if (result.status === 429) {
        throw new UpstreamUnavailable(
          `cannot check ${kind} ${ref}: ${owner} is rate limiting; nothing was saved, try again later`,
          retryAfterSeconds,
        );
      }
      return 'unknown';
    case 'unavailable':
      throw new UpstreamUnavailable(
        `cannot check ${kind} ${ref}: ${result.detail}; nothing was saved, try again later`,
        retryAfterSeconds,
      );
    default: {
      const never: never = result;
      return never;
    }
  }
}

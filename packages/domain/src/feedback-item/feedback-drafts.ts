import type { CostAnomalyDetectedPayload } from '../cost-signal/cost-signal.events.js';
import { isTraceId } from '../kernel/ids.js';
import type { SloBreachedPayload } from '../slo-definition/slo-definition.events.js';
import type { CreateFeedbackItemInput } from './feedback-item.aggregate.js';
import { DETAIL_MAX_LENGTH, SUMMARY_MAX_LENGTH, type FeedbackCategory } from './feedback-values.js';

/** Everything FeedbackItem.create needs except the identities the service supplies. */
export type FeedbackDraft = Omit<CreateFeedbackItemInput, 'feedbackItemId' | 'tenantId'>;

/** The IncidentResolved payload fields a draft needs (the full payload fits). */
export interface IncidentResolvedFacts {
  readonly incidentId: string;
  readonly title: string;
  readonly severity: string;
  readonly source: string;
  readonly sourceRef: string | null;
  readonly projectId: string;
  readonly moduleId: string | null;
  readonly rootCause: string;
  readonly openedAt: string;
  readonly resolvedAt: string;
  readonly durationMs: number;
}

/** The envelope's traceId, when the triggering event carried one. */
export interface DraftContext {
  readonly traceId?: string | null;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function validTraceId(...candidates: (string | null | undefined)[]): string | null {
  return candidates.find((c): c is string => typeof c === 'string' && isTraceId(c)) ?? null;
}

/**
 * A resolved incident is a lesson about reliability, and never good news. Its trace is the
 * envelope's, or the incident's own sourceRef when the incident was opened from a trace.
 */
export function feedbackFromIncidentResolved(
  payload: IncidentResolvedFacts,
  context: DraftContext = {},
): FeedbackDraft {
  const minutes = Math.round(payload.durationMs / 60_000);
  const fromTrace = payload.source === 'trace' ? payload.sourceRef : null;
  return {
    projectId: payload.projectId,
    artifactId: null,
    moduleId: payload.moduleId,
    source: 'incident',
    sourceId: payload.incidentId,
    category: 'reliability',
    sentiment: 'negative',
    summary: clip(`Incident resolved (${payload.severity}): ${payload.title}`, SUMMARY_MAX_LENGTH),
    detail: clip(
      `Root cause: ${payload.rootCause}\n` +
        `Open from ${payload.openedAt} to ${payload.resolvedAt} (${minutes} min).` +
        (payload.moduleId === null ? '' : `\nModule: ${payload.moduleId}`),
      DETAIL_MAX_LENGTH,
    ),
    traceId: validTraceId(context.traceId, fromTrace),
    createdAt: payload.resolvedAt,
  };
}

/** Latency-like SLO names are about performance; every other SLO guards reliability. */
const PERFORMANCE_SLO = /latenc|duration|response.?time|p9\d|slow/i;

export function sloCategory(name: string): FeedbackCategory {
  return PERFORMANCE_SLO.test(name) ? 'performance' : 'reliability';
}

export function feedbackFromSloBreached(
  payload: SloBreachedPayload,
  context: DraftContext = {},
): FeedbackDraft {
  return {
    projectId: payload.projectId,
    artifactId: null,
    source: 'runtime-signal',
    sourceId: payload.sloId,
    // The SLO's own dimension (from its indicator); the name only for events from before it.
    category: payload.dimension ?? sloCategory(payload.name),
    sentiment: 'negative',
    summary: clip(
      `SLO breached: ${payload.name} (target ${payload.target}%, ` +
        `${payload.badPct.toFixed(3)}% bad over ${payload.windowMinutes} min)`,
      SUMMARY_MAX_LENGTH,
    ),
    detail:
      `Error budget of ${payload.errorBudget}% exhausted at ${payload.breachedAt}; ` +
      `observed bad share ${payload.badPct.toFixed(4)}%.`,
    traceId: validTraceId(context.traceId),
    createdAt: payload.breachedAt,
  };
}

export function feedbackFromCostAnomaly(
  payload: CostAnomalyDetectedPayload,
  context: DraftContext = {},
): FeedbackDraft {
  return {
    projectId: payload.projectId,
    artifactId: null,
    source: 'runtime-signal',
    sourceId: payload.costSignalId,
    category: 'cost',
    sentiment: 'negative',
    summary: clip(
      `Cost anomaly: ${payload.category} ${payload.observed} ${payload.currency} ` +
        `vs baseline ${payload.baseline} ${payload.currency} (+${payload.deltaPct}%)`,
      SUMMARY_MAX_LENGTH,
    ),
    detail: `Period ${payload.periodStart} to ${payload.periodEnd}; detected at ${payload.detectedAt}.`,
    traceId: validTraceId(context.traceId),
    createdAt: payload.detectedAt,
  };
}

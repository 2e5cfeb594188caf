import type { AlertTriggeredPayload } from '../alert-rule/alert-rule.events.js';
import type {
  SloBreachedPayload,
  SloBurnRateAlertPayload,
} from '../slo-definition/slo-definition.events.js';
import { TITLE_MAX_LENGTH, type IncidentState } from './incident-state.js';
import type { IncidentOpenedPayload, IncidentResolvedPayload } from './incident.events.js';

/** `<rule name> [<group key>]`, cut to the title limit: the group tells incidents of one rule apart. */
export function alertTitle(alert: AlertTriggeredPayload): string {
  const title = alert.groupKey === '' ? alert.ruleName : `${alert.ruleName} [${alert.groupKey}]`;
  return title.length <= TITLE_MAX_LENGTH ? title : `${title.slice(0, TITLE_MAX_LENGTH - 1)}…`;
}

/** `SLO breached: <name>`, cut to the title limit. */
export function sloTitle(breach: SloBreachedPayload): string {
  const title = `SLO breached: ${breach.name}`;
  return title.length <= TITLE_MAX_LENGTH ? title : `${title.slice(0, TITLE_MAX_LENGTH - 1)}…`;
}

/** `SLO burning: <name> (page)`, cut to the title limit. */
export function sloBurnRateTitle(alert: SloBurnRateAlertPayload): string {
  const title = `SLO burning: ${alert.name} (${alert.severity})`;
  return title.length <= TITLE_MAX_LENGTH ? title : `${title.slice(0, TITLE_MAX_LENGTH - 1)}…`;
}

/** `page-1h-5m 20× over 1h, 20× over 5m (≥ 14.4×)` for each rule, `; `-joined. */
export function burnRuleReadings(alert: SloBurnRateAlertPayload): string {
  const rate = (value: number | null) => (value === null ? 'unbounded' : `${value}×`);
  return alert.rules
    .map(
      (r) =>
        `${r.rule} ${rate(r.longBurnRate)} over ${r.longWindow}, ${rate(r.shortBurnRate)} over ${r.shortWindow} (≥ ${r.threshold}×)`,
    )
    .join('; ');
}

export function openedPayload(s: IncidentState): IncidentOpenedPayload {
  return {
    incidentId: s.incidentId,
    title: s.title,
    severity: s.severity,
    source: s.source,
    sourceRef: s.sourceRef,
    projectId: s.projectId,
    moduleId: s.moduleId,
    openedAt: s.openedAt,
    dimensions: s.dimensions === null ? null : { ...s.dimensions },
  };
}

/** durationMs = resolvedAt − openedAt, as the contract defines it. */
export function resolvedPayload(
  s: IncidentState,
  rootCause: string,
  resolvedAt: string,
): IncidentResolvedPayload {
  return {
    incidentId: s.incidentId,
    title: s.title,
    severity: s.severity,
    source: s.source,
    sourceRef: s.sourceRef,
    projectId: s.projectId,
    moduleId: s.moduleId,
    rootCause,
    openedAt: s.openedAt,
    resolvedAt,
    durationMs: Date.parse(resolvedAt) - Date.parse(s.openedAt),
  };
}

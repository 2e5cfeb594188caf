import type { ServiceDefinition } from '@obs/service-kit';
import { alertRuleService } from '@obs/alert-rule-service';
import { costTelemetryService } from '@obs/cost-telemetry-service';
import { dashboardService } from '@obs/dashboard-service';
import { feedbackService } from '@obs/feedback-service';
import { incidentService } from '@obs/incident-service';
import { logQueryService } from '@obs/log-query-service';
import { metricAggregationService } from '@obs/metric-aggregation-service';
import { qualityScoreService } from '@obs/quality-score-service';
import { sloService } from '@obs/slo-service';
import { telemetryCorrelationService } from '@obs/telemetry-correlation-service';
import { traceService } from '@obs/trace-service';

/** Every service `pnpm start` runs, in port order. A new service is added here once it exists. */
export const SERVICES: readonly ServiceDefinition[] = [
  traceService,
  logQueryService,
  metricAggregationService,
  dashboardService,
  alertRuleService,
  incidentService,
  feedbackService,
  qualityScoreService,
  costTelemetryService,
  sloService,
  telemetryCorrelationService,
];

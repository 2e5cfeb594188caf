import { alertRuleService } from '@obs/alert-rule-service';
import { incidentService } from '@obs/incident-service';
import { metricAggregationService } from '@obs/metric-aggregation-service';
import type { ServiceDefinition } from '@obs/service-kit';

/** Every service `pnpm start` runs, in port order. A new service is added here once it exists. */
export const SERVICES: readonly ServiceDefinition[] = [
  metricAggregationService,
  alertRuleService,
  incidentService,
];

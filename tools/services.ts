import { alertRuleService } from '@obs/alert-rule-service';
import { dashboardService } from '@obs/dashboard-service';
import { feedbackService } from '@obs/feedback-service';
import { incidentService } from '@obs/incident-service';
import type { ServiceDefinition } from '@obs/service-kit';
import { sloService } from '@obs/slo-service';

/** Every service `pnpm start` runs, in port order. A new service is added here once it exists. */
export const SERVICES: readonly ServiceDefinition[] = [
  dashboardService,
  alertRuleService,
  incidentService,
  feedbackService,
  sloService,
];

import { alertRuleService } from '@obs/alert-rule-service';
import { incidentService } from '@obs/incident-service';
import type { ServiceDefinition } from '@obs/service-kit';
import { sloService } from '@obs/slo-service';

/** Every service `pnpm start` runs, in port order. A new service is added here once it exists. */
export const SERVICES: readonly ServiceDefinition[] = [
  alertRuleService,
  incidentService,
  sloService,
];

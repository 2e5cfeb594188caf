import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { idSchema } from './common.js';

export const dashboardScopeSchema = z.strictObject({
  projectId: idSchema,
  moduleId: idSchema.nullable().describe('null: the dashboard covers the whole project'),
});

export const dashboardDefinedPayloadSchema = z.strictObject({
  dashboardId: idSchema,
  name: z.string().min(1),
  scope: dashboardScopeSchema,
  panelCount: z.number().int().min(1),
  version: z.number().int().min(1),
});

/**
 * The contract gives no bound on panelCount for updates, so it only has to be a count; the
 * domain decides whether a dashboard may lose all its panels.
 */
export const dashboardUpdatedPayloadSchema = z.strictObject({
  dashboardId: idSchema,
  name: z.string().min(1),
  scope: dashboardScopeSchema,
  panelCount: z.number().int().min(0),
  version: z.number().int().min(1),
});

export const dashboardDefined = defineEvent({
  eventType: 'DashboardDefined',
  eventVersion: 1,
  aggregateType: 'DashboardDefinition',
  visibility: 'public',
  description: 'A dashboard was created for a project (optionally one module of it).',
  schema: dashboardDefinedPayloadSchema,
  example: {
    aggregateId: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
    aggregateVersion: 1,
    occurredAt: '2024-05-01T09:00:00.000Z',
    payload: {
      dashboardId: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
      name: 'Payments latency',
      scope: { projectId: 'checkout', moduleId: 'payments' },
      panelCount: 4,
      version: 1,
    },
  },
});

export const dashboardUpdated = defineEvent({
  eventType: 'DashboardUpdated',
  eventVersion: 1,
  aggregateType: 'DashboardDefinition',
  visibility: 'internal',
  description: 'A dashboard definition changed (name, scope or panels); version is the new one.',
  schema: dashboardUpdatedPayloadSchema,
  example: {
    aggregateId: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
    aggregateVersion: 2,
    occurredAt: '2024-05-01T09:30:00.000Z',
    payload: {
      dashboardId: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
      name: 'Payments latency and errors',
      scope: { projectId: 'checkout', moduleId: null },
      panelCount: 6,
      version: 2,
    },
  },
});

import { EntitySchema } from 'typeorm';
import type { AlertmanagerMessage } from './notify/alertmanager-payload.js';

export const NOTIFICATION_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
/**
 * pending: due at next_attempt_at; delivered: a 2xx answer; failed: final without delivery (a 4xx
 * other than 408/429, a refused target, a receiver gone); dead: every attempt used.
 */
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface NotificationRow {
  id: string;
  tenantId: string;
  receiverId: string;
  /** The rule of the alert; null for an SLO burn-rate alert (escalations: see escalation-notifications.ts). */
  alertRuleId: string | null;
  /** The SLO of a burn-rate alert's notification. Optional: writers of other sources leave it out. */
  sloId?: string | null;
  /** The incident of an escalation step's notification. Optional, as sloId. */
  incidentId?: string | null;
  fingerprint: string;
  payload: AlertmanagerMessage;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  lastStatusCode: number | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export const NotificationEntity = new EntitySchema<NotificationRow>({
  name: 'Notification',
  tableName: 'notifications',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    receiverId: { type: 'uuid', name: 'receiver_id' },
    alertRuleId: { type: 'uuid', name: 'alert_rule_id', nullable: true },
    sloId: { type: 'uuid', name: 'slo_id', nullable: true },
    incidentId: { type: 'uuid', name: 'incident_id', nullable: true },
    fingerprint: { type: 'text' },
    payload: { type: 'jsonb' },
    status: { type: 'text' },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'timestamptz', name: 'next_attempt_at', nullable: true },
    lastError: { type: 'text', name: 'last_error', nullable: true },
    lastStatusCode: { type: 'integer', name: 'last_status_code', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    deliveredAt: { type: 'timestamptz', name: 'delivered_at', nullable: true },
  },
});

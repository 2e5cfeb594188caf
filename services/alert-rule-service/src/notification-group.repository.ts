import { EntitySchema } from 'typeorm';
import type { GroupedAlerts } from './notify/notification-group.js';

export interface NotificationGroupRow {
  id: string;
  tenantId: string;
  alertRuleId: string;
  receiverId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: GroupedAlerts;
  groupIntervalMs: string;
  repeatIntervalMs: string;
  nextFlushAt: Date;
  lastNotifiedAt: Date | null;
  lastFiring: string[];
  lastResolved: string[];
  createdAt: Date;
}

export const NotificationGroupEntity = new EntitySchema<NotificationGroupRow>({
  name: 'NotificationGroup',
  tableName: 'notification_groups',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    alertRuleId: { type: 'uuid', name: 'alert_rule_id' },
    receiverId: { type: 'uuid', name: 'receiver_id' },
    groupKey: { type: 'text', name: 'group_key' },
    groupLabels: { type: 'jsonb', name: 'group_labels' },
    alerts: { type: 'jsonb' },
    // bigint: typeorm reads it as a string.
    groupIntervalMs: { type: 'bigint', name: 'group_interval_ms' },
    repeatIntervalMs: { type: 'bigint', name: 'repeat_interval_ms' },
    nextFlushAt: { type: 'timestamptz', name: 'next_flush_at' },
    lastNotifiedAt: { type: 'timestamptz', name: 'last_notified_at', nullable: true },
    lastFiring: { type: 'jsonb', name: 'last_firing' },
    lastResolved: { type: 'jsonb', name: 'last_resolved' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
});

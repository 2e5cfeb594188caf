import { createEnvelope, HEADERS, topicFor } from '@obs/event-envelope';
import type { BusMessage } from '../src/bus/event-bus.js';

/** A DashboardDefined record as the fixture service would publish it, built outside the service. */
export function widgetMessage(
  tenantId: string,
  name: string,
  id: string = crypto.randomUUID(),
): BusMessage {
  const envelope = createEnvelope({
    eventType: 'DashboardDefined',
    producer: 'kit-fixture-service',
    tenantId,
    aggregate: { type: 'DashboardDefinition', id, version: 1 },
    payload: {
      dashboardId: id,
      name,
      scope: { projectId: 'fixture', moduleId: null },
      panelCount: 1,
      version: 1,
    },
  });
  return {
    topic: topicFor('DashboardDefined'),
    key: id,
    value: JSON.stringify(envelope),
    headers: { [HEADERS.eventType]: envelope.eventType, [HEADERS.tenantId]: tenantId },
  };
}

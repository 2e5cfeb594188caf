import { join } from 'node:path';
import { startGoPeer, type GoPeer } from '@obs/local-infra';
import type { RunningService } from '@obs/service-kit';
import { bearer, TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fireRuleAt,
  listNotifications,
  startAlertRuleService,
  uniqueTenant,
} from '../../test/alert-rule-test-kit.js';
import { alertRuleConfigFrom } from '../config.js';
import { NOTIFICATION_DELIVERY_JOB } from './notification-delivery.job.js';

/**
 * An `alertmanager` receiver against a real Alertmanager v0.35.0 (built from its Go module on
 * first use, cached): the alert we POST to /api/v2/alerts is then listed by its own API.
 */

interface ListedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string };
}

let alertmanager: GoPeer;
let service: RunningService;
// The service clock is real time: Alertmanager judges endsAt against its own clock.
const clock = new TestClock(Date.now());

beforeAll(async () => {
  alertmanager = await startGoPeer('alertmanager', {
    readyPath: '/-/ready',
    args: ({ port, dataDir }) => [
      `--config.file=${join(dataDir, 'alertmanager.yml')}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    files: { 'alertmanager.yml': 'route:\n  receiver: none\nreceivers:\n  - name: none\n' },
  });
  service = await startAlertRuleService({
    runJobs: false,
    clock: clock.now,
    config: {
      notify: {
        ...alertRuleConfigFrom({}).notify,
        allowPrivateTargets: true,
        externalUrl: 'https://alerts.example.com',
      },
    },
  });
}, 600_000);
afterAll(async () => {
  await service.close();
  await alertmanager.stop();
});

describe('alertmanager receivers (a real Alertmanager v0.35.0)', () => {
  it('posts the alert to /api/v2/alerts; the Alertmanager lists it active with our labels, annotations and generatorURL', async () => {
    const tenant = uniqueTenant('am');
    const auth = bearer(tenant, ['read', 'write']);
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/receivers',
      headers: auth,
      payload: { name: 'team alertmanager', type: 'alertmanager', url: `${alertmanager.url}/` },
    });
    expect(created.statusCode, created.body).toBe(201);
    const receiverId = created.json<{ id: string }>().id;
    clock.nowMs = Date.now();
    const { ruleId } = await fireRuleAt(service, tenant, [receiverId]);
    await service.jobs.get(NOTIFICATION_DELIVERY_JOB)?.runOnce();
    expect(await listNotifications(service, auth)).toEqual([
      expect.objectContaining({ status: 'delivered', attempts: 1, lastStatusCode: 200 }),
    ]);

    const listed = (await (
      await fetch(`${alertmanager.url}/api/v2/alerts?filter=alertRuleId%3D%22${ruleId}%22`)
    ).json()) as ListedAlert[];
    expect(listed).toHaveLength(1);
    const alert = listed[0] as ListedAlert;
    expect(alert.labels).toMatchObject({
      alertRuleId: ruleId,
      severity: 'critical',
      projectId: 'checkout',
      service: 'payments-api',
      metric: 'http.server.duration',
    });
    expect(alert.labels.alertname).toMatch(/^rule-/);
    expect(alert.annotations).toMatchObject({ observedValue: '900', threshold: '500' });
    expect(alert.annotations.summary).toContain('p95 gt 500');
    expect(alert.generatorURL).toBe(`https://alerts.example.com/v1/alert-rules/${ruleId}`);
    expect(alert.status.state).toBe('active');
    // Firing: endsAt is the 24 h horizon from the attempt, well ahead.
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });
});

import type { AlertTriggeredPayload } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import {
  ALERTMANAGER_FIRING_HORIZON_MS,
  alertsEndpoint,
  postableAlerts,
} from './alertmanager-sender.js';
import {
  firingMessage,
  resolvedMessage,
  type AlertmanagerMessage,
} from './alertmanager-payload.js';
import { emailContent, smtpVerdict } from './email-sender.js';
import { LISTED_ALERTS_MAX } from './message-text.js';
import { httpVerdict } from './sender.js';
import { SENDERS } from './senders.js';
import { slackMessage } from './slack-sender.js';

const RULE = '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c';
const EXTERNAL = 'https://alerts.example.com';
const alert: AlertTriggeredPayload = {
  alertRuleId: RULE,
  ruleName: 'checkout <p95> & latency',
  fingerprint: `${RULE}:service=payments-api`,
  groupKey: 'service=payments-api',
  group: { service: 'payments-api' },
  severity: 'critical',
  metric: 'http.server.duration',
  aggregation: 'p95',
  operator: 'gt',
  threshold: 500,
  observedValue: 712.5,
  forMinutes: 3,
  activeAt: '2030-01-01T00:01:00.000Z',
  firedAt: '2030-01-01T00:04:00.000Z',
  projectId: 'checkout',
  moduleId: null,
};
const firing = firingMessage('ops', alert);
const resolved = resolvedMessage('ops', {
  ...alert,
  observedValue: null,
  resolveAfterWindows: 1,
  resolvedAt: '2030-01-01T00:09:00.000Z',
});
/** The firing message with `count` alerts of one rule (services s0…). */
function manyAlerts(count: number): AlertmanagerMessage {
  const one = firing.alerts[0] as AlertmanagerMessage['alerts'][number];
  return {
    ...firing,
    alerts: Array.from({ length: count }, (_, i) => ({
      ...one,
      labels: { ...one.labels, service: `s${i}` },
    })),
  };
}

describe('one sender per receiver kind', () => {
  it('has a sender for every type, each of its own type', () => {
    expect(Object.entries(SENDERS).map(([type, sender]) => [type, sender.type])).toEqual([
      ['webhook', 'webhook'],
      ['slack', 'slack'],
      ['email', 'email'],
      ['alertmanager', 'alertmanager'],
    ]);
  });
});

describe('slackMessage', () => {
  it('summarises a firing alert in text and blocks, escaping mrkdwn', () => {
    const message = slackMessage(firing, EXTERNAL);
    expect(message.text).toBe(
      '[FIRING:1] checkout <p95> & latency (critical): http.server.duration p95 gt 500 for 3m',
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: '🔥 [FIRING:1] checkout <p95> & latency (critical)',
        emoji: true,
      },
    });
    expect(JSON.stringify(message.blocks[2])).toContain(
      '• service=payments-api: firing value 712.5, since 2030-01-01T00:01:00.000Z',
    );
    expect(JSON.stringify(message.blocks[3])).toContain(
      `<${EXTERNAL}/v1/alert-rules/${RULE}|rule ${RULE}>`,
    );
  });

  it('says resolved, with the episode from start to end and no data', () => {
    const message = slackMessage(resolved, EXTERNAL);
    expect(message.text).toMatch(/^\[RESOLVED\] checkout/);
    expect(message.blocks[0]).toMatchObject({
      text: { text: '✅ [RESOLVED] checkout <p95> & latency (critical)' },
    });
    expect(JSON.stringify(message.blocks[2])).toContain(
      'service=payments-api: resolved value no data, from 2030-01-01T00:01:00.000Z to 2030-01-01T00:09:00.000Z',
    );
    // The header is plain text; the sections are mrkdwn, escaped.
    const one = resolved.alerts[0] as AlertmanagerMessage['alerts'][number];
    const odd = slackMessage(
      { ...resolved, alerts: [{ ...one, labels: { ...one.labels, service: 'a<b>&c' } }] },
      EXTERNAL,
    );
    expect(JSON.stringify(odd.blocks[2])).toContain('service=a&lt;b&gt;&amp;c');
    expect(JSON.stringify(odd.blocks[1])).toContain('*http.server.duration p95 gt 500 for 3m*');
  });

  it('lists the first alerts of a large group and counts the rest, within Slack limits', () => {
    const message = slackMessage(manyAlerts(60), EXTERNAL);
    const list = (message.blocks[2] as { text: { text: string } }).text.text;
    expect(list.split('\n')).toHaveLength(LISTED_ALERTS_MAX + 1);
    expect(list.endsWith(`and ${60 - LISTED_ALERTS_MAX} more`)).toBe(true);
    expect(list.length).toBeLessThanOrEqual(3_000);
    expect(message.text.startsWith('[FIRING:60]')).toBe(true);
  });
});

describe('emailContent', () => {
  it('is titled like Alertmanager, lists the alerts, links the rule, escapes HTML', () => {
    const content = emailContent(firing, EXTERNAL);
    expect(content.subject).toBe('[FIRING:1] checkout <p95> & latency (critical)');
    expect(content.text).toContain('- service=payments-api: firing value 712.5');
    expect(content.text).toContain(`Rule: ${EXTERNAL}/v1/alert-rules/${RULE}`);
    expect(content.html).toContain(
      '<h2>[FIRING:1] checkout &lt;p95&gt; &amp; latency (critical)</h2>',
    );
    expect(content.html).not.toContain('<p95>');
    expect(emailContent(resolved, EXTERNAL).subject).toBe(
      '[RESOLVED] checkout <p95> & latency (critical)',
    );
  });
});

describe('smtpVerdict', () => {
  const err = (responseCode?: number, code?: string) =>
    Object.assign(new Error('smtp said no'), { responseCode, code });
  it('retries 4xx replies and failures without a reply; 5xx and TLS/auth failures are final', () => {
    expect(smtpVerdict(err(451, 'EENVELOPE'))).toMatchObject({ result: 'retry', statusCode: 451 });
    expect(smtpVerdict(err(421))).toMatchObject({ result: 'retry', statusCode: 421 });
    expect(smtpVerdict(err(550, 'EENVELOPE'))).toMatchObject({ result: 'final', statusCode: 550 });
    expect(smtpVerdict(err(535, 'EAUTH'))).toMatchObject({ result: 'final', statusCode: 535 });
    expect(smtpVerdict(err(undefined, 'ECONNECTION'))).toMatchObject({
      result: 'retry',
      statusCode: null,
    });
    expect(smtpVerdict(err(undefined, 'ETIMEDOUT'))).toMatchObject({ result: 'retry' });
    expect(smtpVerdict(err(undefined, 'ETLS'))).toMatchObject({ result: 'final' });
    expect(smtpVerdict(err(undefined, 'EAUTH'))).toMatchObject({ result: 'final' });
    expect(smtpVerdict(err(451)).result === 'retry' && smtpVerdict(err(451))).toMatchObject({
      error: 'smtp: smtp said no',
    });
  });
});

describe('httpVerdict', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it('delivers 2xx, finishes 4xx but 408/429 and refusals, retries the rest with Retry-After', () => {
    const answered = (status: number, retryAfter?: string) =>
      httpVerdict({ kind: 'answered', status, retryAfter }, now);
    expect(answered(204)).toEqual({ result: 'delivered', statusCode: 204 });
    expect(answered(404)).toMatchObject({ result: 'final', statusCode: 404 });
    expect(answered(429, '30')).toMatchObject({
      result: 'retry',
      statusCode: 429,
      retryAfterMs: 30_000,
    });
    expect(answered(503)).toMatchObject({ result: 'retry', retryAfterMs: undefined });
    expect(httpVerdict({ kind: 'refused', error: 'target refused' }, now)).toMatchObject({
      result: 'final',
      statusCode: null,
    });
    expect(httpVerdict({ kind: 'unreachable', error: 'timed out' }, now)).toMatchObject({
      result: 'retry',
      statusCode: null,
    });
  });
});

describe('postableAlerts (Alertmanager /api/v2/alerts)', () => {
  const now = Date.parse('2030-01-01T00:05:00.000Z');
  it('sends labels and annotations as they are, a firing horizon as endsAt, the rule as generatorURL', () => {
    const [posted] = postableAlerts(firing, now, EXTERNAL);
    expect(Object.keys(posted ?? {}).sort()).toEqual(
      ['annotations', 'endsAt', 'generatorURL', 'labels', 'startsAt'].sort(),
    );
    expect(posted).toEqual({
      labels: firing.alerts[0]?.labels,
      annotations: firing.alerts[0]?.annotations,
      startsAt: '2030-01-01T00:01:00.000Z',
      endsAt: new Date(now + ALERTMANAGER_FIRING_HORIZON_MS).toISOString(),
      generatorURL: `${EXTERNAL}/v1/alert-rules/${RULE}`,
    });
  });

  it("sends a resolution's endsAt, so the Alertmanager ends the alert", () => {
    expect(postableAlerts(resolved, now, EXTERNAL)[0]?.endsAt).toBe('2030-01-01T00:09:00.000Z');
  });

  it('appends /api/v2/alerts to the base URL without doubling a slash', () => {
    expect(alertsEndpoint('http://am:9093')).toBe('http://am:9093/api/v2/alerts');
    expect(alertsEndpoint('http://am:9093/')).toBe('http://am:9093/api/v2/alerts');
    expect(alertsEndpoint('https://ops.example.com/alertmanager/')).toBe(
      'https://ops.example.com/alertmanager/api/v2/alerts',
    );
  });
});

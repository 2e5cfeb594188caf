import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningService } from '@obs/service-kit';
import { bearer, TestClock } from '@obs/service-kit/testing';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fireRuleAt,
  listNotifications,
  startAlertRuleService,
  uniqueTenant,
} from '../../test/alert-rule-test-kit.js';
import { alertRuleConfigFrom } from '../config.js';
import { NOTIFICATION_DELIVERY_JOB, notificationDeliveryJob } from './notification-delivery.job.js';

/** expect.stringMatching, typed: an asymmetric matcher where a string is expected. */
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

/**
 * Delivery by receiver kind against real counterparts: a slack-shaped HTTP receiver (node:http)
 * and a real SMTP server (smtp-server) whose mail is read back with mailparser.
 */

interface SlackRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
const slackRequests: SlackRequest[] = [];
let slackServer: Server;
let slackBase = '';

/** Mail the SMTP server accepted, with its envelope. */
interface Received {
  readonly mail: ParsedMail;
  readonly envelopeTo: string[];
  readonly user: string | undefined;
}
const mails: Received[] = [];
/** Recipients answered 451 once (greylisting), then accepted. */
const greylisted = new Set<string>();
let smtp: SMTPServer;
let smtpPort = 0;

const clock = new TestClock(Date.now());
const notify = {
  ...alertRuleConfigFrom({}).notify,
  maxAttempts: 3,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5_000,
  timeoutMs: 5_000,
  allowPrivateTargets: true,
  externalUrl: 'https://alerts.example.com',
};
let service: RunningService;

const smtpError = (message: string, responseCode: number): Error =>
  Object.assign(new Error(message), { responseCode });

beforeAll(async () => {
  slackServer = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      slackRequests.push({ path: req.url ?? '/', headers: req.headers, body });
      // Slack's answers: 200 "ok"; 404 "no_service" for a revoked hook.
      const revoked = req.url === '/services/revoked';
      res.writeHead(revoked ? 404 : 200, { 'content-type': 'text/plain' });
      res.end(revoked ? 'no_service' : 'ok');
    });
  });
  await new Promise<void>((resolve) => slackServer.listen(0, '127.0.0.1', resolve));
  slackBase = `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    // Plain text throughout (tls: none); AUTH PLAIN/LOGIN over it, as a development relay allows.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'relay' && auth.password === 'relay-password') {
        callback(null, { user: auth.username });
      } else {
        callback(smtpError('Authentication credentials invalid', 535));
      }
    },
    onRcptTo(address, _session, callback) {
      const rcpt = address.address;
      if (rcpt.startsWith('nobody')) {
        callback(smtpError('No such mailbox', 550));
      } else if (rcpt.startsWith('greylist') && !greylisted.has(rcpt)) {
        greylisted.add(rcpt);
        callback(smtpError('Greylisted, try again later', 451));
      } else {
        callback();
      }
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({
            mail,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  service = await startAlertRuleService({ runJobs: false, clock: clock.now, config: { notify } });
});
afterAll(async () => {
  await service.close();
  await new Promise((resolve) => slackServer.close(resolve));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const runDelivery = () => service.jobs.get(NOTIFICATION_DELIVERY_JOB)?.runOnce();

async function createReceiverOf(
  auth: Record<string, string>,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/receivers',
    headers: auth,
    payload: { name: `${String(body.type)}-${crypto.randomUUID().slice(0, 8)}`, ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

const emailReceiver = (
  to: string[],
  extra: { tls?: string; credentials?: Record<string, string>; host?: string } = {},
) => ({
  type: 'email',
  email: {
    to,
    from: 'alerts@obs.example.com',
    smtp: { host: extra.host ?? '127.0.0.1', port: smtpPort, tls: extra.tls ?? 'none' },
  },
  ...(extra.credentials ? { credentials: extra.credentials } : {}),
});

const mailsTo = (address: string) => mails.filter((m) => m.envelopeTo.includes(address));

describe('slack receivers', () => {
  it('posts incoming-webhook JSON (text and blocks summarising the group) and is delivered on 200', async () => {
    const tenant = uniqueTenant('slack');
    const auth = bearer(tenant, ['read', 'write']);
    const receiverId = await createReceiverOf(auth, {
      type: 'slack',
      url: `${slackBase}/services/T1/B1/token`,
    });
    const { ruleId, notifications } = await fireRuleAt(service, tenant, [receiverId]);
    await runDelivery();
    expect(await listNotifications(service, auth)).toEqual([
      expect.objectContaining({
        id: notifications[0]?.id,
        status: 'delivered',
        lastStatusCode: 200,
      }),
    ]);
    const requests = slackRequests.filter((r) => r.path === '/services/T1/B1/token');
    expect(requests).toHaveLength(1);
    const request = requests[0] as SlackRequest;
    expect(request.headers['content-type']).toBe('application/json');
    // No Standard Webhooks headers: Slack authenticates by the URL.
    expect(request.headers['webhook-signature']).toBeUndefined();
    const message = JSON.parse(request.body) as {
      text: string;
      blocks: {
        type: string;
        text?: { type: string; text: string };
        fields?: { text: string }[];
        elements?: { text: string }[];
      }[];
    };
    expect(Object.keys(message).sort()).toEqual(['blocks', 'text']);
    expect(message.text).toMatch(
      /^\[FIRING:1\] rule-[0-9a-f]{8} \(critical\): http\.server\.duration p95 gt 500/,
    );
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(message.blocks[0]?.text).toEqual({
      type: 'plain_text',
      text: matching(/^🔥 \[FIRING:1\] rule-/),
      emoji: true,
    });
    expect(message.blocks[1]?.fields?.map((f) => f.text)).toEqual([
      '*Severity*\ncritical',
      '*Project*\ncheckout',
      '*Alerts*\n1 firing, 1 in this notification',
    ]);
    expect(message.blocks[2]?.text?.text).toMatch(
      /^• service=payments-api: firing value 900, since /,
    );
    expect(message.blocks[3]?.elements?.[0]?.text).toContain(
      `<https://alerts.example.com/v1/alert-rules/${ruleId}|rule ${ruleId}>`,
    );
  });

  it('treats a revoked hook (404) as final', async () => {
    const tenant = uniqueTenant('slack');
    const auth = bearer(tenant, ['read', 'write']);
    const receiverId = await createReceiverOf(auth, {
      type: 'slack',
      url: `${slackBase}/services/revoked`,
    });
    await fireRuleAt(service, tenant, [receiverId]);
    await runDelivery();
    clock.nowMs += 60_000;
    await runDelivery();
    expect(await listNotifications(service, auth)).toEqual([
      expect.objectContaining({ status: 'failed', attempts: 1, lastStatusCode: 404 }),
    ]);
    expect(slackRequests.filter((r) => r.path === '/services/revoked')).toHaveLength(1);
  });
});

describe('email receivers', () => {
  it('hands the mail to the SMTP server with its credentials; Message-ID from the notification id', async () => {
    const tenant = uniqueTenant('email');
    const auth = bearer(tenant, ['read', 'write']);
    const to = [`oncall-${tenant}@example.com`, `lead-${tenant}@example.com`];
    const receiverId = await createReceiverOf(
      auth,
      emailReceiver(to, { credentials: { username: 'relay', password: 'relay-password' } }),
    );
    const { ruleId, notifications } = await fireRuleAt(service, tenant, [receiverId]);
    await runDelivery();
    expect(await listNotifications(service, auth)).toEqual([
      expect.objectContaining({
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 250,
        lastError: null,
      }),
    ]);
    const received = mailsTo(to[0] as string);
    expect(received).toHaveLength(1);
    const { mail, envelopeTo, user } = received[0] as Received;
    expect(envelopeTo.sort()).toEqual([...to].sort());
    expect(user).toBe('relay');
    expect(mail.from?.text).toBe('alerts@obs.example.com');
    expect(mail.subject).toMatch(/^\[FIRING:1\] rule-[0-9a-f]{8} \(critical\)$/);
    expect(mail.messageId).toBe(`<${notifications[0]?.id}@alert-rule-service.obs>`);
    expect(mail.headers.get('x-obs-notification-id')).toBe(notifications[0]?.id);
    expect(mail.text).toContain('http.server.duration p95 gt 500');
    expect(mail.text).toContain('- service=payments-api: firing value 900, since ');
    expect(mail.text).toContain(`Rule: https://alerts.example.com/v1/alert-rules/${ruleId}`);
    expect(mail.html).toContain('<li>service=payments-api: firing value 900');
  });

  it('retries an SMTP 4xx (greylisting) and delivers on the next attempt; a 5xx is final', async () => {
    const tenant = uniqueTenant('email');
    const auth = bearer(tenant, ['read', 'write']);
    const greylist = `greylist-${tenant}@example.com`;
    const nobody = `nobody-${tenant}@example.com`;
    const grey = await createReceiverOf(auth, emailReceiver([greylist]));
    const unknown = await createReceiverOf(auth, emailReceiver([nobody]));
    await fireRuleAt(service, tenant, [grey, unknown]);
    await runDelivery();
    const byReceiver = async () =>
      new Map((await listNotifications(service, auth)).map((n) => [n.receiverId, n]));
    let state = await byReceiver();
    expect(state.get(grey)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 451,
      lastError: matching(/^smtp: .*451 Greylisted/),
    });
    expect(state.get(unknown)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 550,
      lastError: matching(/No such mailbox/),
      nextAttemptAt: null,
    });
    clock.nowMs += notify.backoffMaxMs;
    await runDelivery();
    state = await byReceiver();
    expect(state.get(grey)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 250,
    });
    expect(state.get(unknown)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(mailsTo(greylist)).toHaveLength(1);
    expect(mailsTo(nobody)).toHaveLength(0);
  });

  it('fails for refused credentials (535) and for STARTTLS required where the server offers none', async () => {
    const tenant = uniqueTenant('email');
    const auth = bearer(tenant, ['read', 'write']);
    const wrong = `wrong-${tenant}@example.com`;
    const tls = `tls-${tenant}@example.com`;
    const badAuth = await createReceiverOf(
      auth,
      emailReceiver([wrong], { credentials: { username: 'relay', password: 'guess' } }),
    );
    const needsTls = await createReceiverOf(auth, emailReceiver([tls], { tls: 'starttls' }));
    await fireRuleAt(service, tenant, [badAuth, needsTls]);
    await runDelivery();
    const state = new Map((await listNotifications(service, auth)).map((n) => [n.receiverId, n]));
    expect(state.get(badAuth)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 535,
    });
    // The server does not know STARTTLS (500): a plain-text fallback is not taken, and final.
    expect(state.get(needsTls)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 500,
      lastError: matching(/^smtp: .*STARTTLS/i),
    });
    expect(mailsTo(wrong)).toHaveLength(0);
    expect(mailsTo(tls)).toHaveLength(0);
  });

  it('refuses an SMTP host that resolves to a loopback address at send time when private targets are off', async () => {
    const tenant = uniqueTenant('email');
    const auth = bearer(tenant, ['read', 'write']);
    const literal = `literal-${tenant}@example.com`;
    const named = `named-${tenant}@example.com`;
    const byAddress = await createReceiverOf(auth, emailReceiver([literal]));
    const byName = await createReceiverOf(auth, emailReceiver([named], { host: 'localhost' }));
    await fireRuleAt(service, tenant, [byAddress, byName]);
    const guarded = notificationDeliveryJob(service.ctx, { ...notify, allowPrivateTargets: false });
    await guarded.run();
    const state = new Map((await listNotifications(service, auth)).map((n) => [n.receiverId, n]));
    expect(state.get(byAddress)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: matching(
        /^target refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address/,
      ),
    });
    expect(state.get(byName)).toMatchObject({
      status: 'failed',
      lastError: matching(/^target refused: localhost resolves to .*loopback/),
    });
    expect(mailsTo(literal)).toHaveLength(0);
    expect(mailsTo(named)).toHaveLength(0);
  });
});

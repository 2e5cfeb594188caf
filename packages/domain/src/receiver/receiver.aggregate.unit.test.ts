import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { Receiver } from './receiver.aggregate.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const AT = '2030-01-01T00:00:00.000Z';
const base = {
  receiverId: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
  tenantId: 't1',
  name: ' ops hook ',
  type: 'webhook',
  url: 'https://hooks.example.com/alerts',
  secret: SECRET,
  at: AT,
};

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
};

describe('Receiver', () => {
  it('creates a webhook receiver with a trimmed name, sendResolved false by default', () => {
    const snapshot = Receiver.create(base).toSnapshot();
    expect(snapshot).toMatchObject({ name: 'ops hook', sendResolved: false, version: 1 });
    expect(snapshot.secret).toBe(SECRET);
  });

  it.each([
    ['ftp://example.com/x', 'receiver.invalid_url'],
    ['not a url', 'receiver.invalid_url'],
    ['https://user:pw@example.com/', 'receiver.invalid_url'],
    ['/relative', 'receiver.invalid_url'],
  ])('refuses the url %s', (url, code) => {
    expect(codeOf(() => Receiver.create({ ...base, url }))).toBe(code);
  });

  it('refuses an unsupported type, a blank name and a secret not in the Standard Webhooks form', () => {
    expect(codeOf(() => Receiver.create({ ...base, type: 'pagerduty' }))).toBe(
      'receiver.unsupported_type',
    );
    expect(codeOf(() => Receiver.create({ ...base, name: '  ' }))).toBe('receiver.name_required');
    for (const secret of [
      'plain',
      'whsec_short',
      `whsec_${'A'.repeat(93)}`,
      'whsec_!!!!'.repeat(4),
    ]) {
      expect(
        codeOf(() => Receiver.create({ ...base, secret })),
        secret,
      ).toBe('receiver.invalid_secret');
    }
    // 64 bytes is the longest Standard Webhooks allows: 88 base64 characters.
    expect(codeOf(() => Receiver.create({ ...base, secret: `whsec_${'A'.repeat(86)}==` }))).toBe(
      undefined,
    );
  });

  it('replaces the configuration, keeps the secret unless a new one is given, and keeps the version for no change', () => {
    const receiver = Receiver.create(base);
    receiver.replace(
      { name: 'ops hook', type: 'webhook', url: base.url },
      '2030-01-02T00:00:00.000Z',
    );
    expect(receiver.version).toBe(1);
    receiver.replace(
      { name: 'ops hook', type: 'webhook', url: 'https://other.example.com/', sendResolved: true },
      '2030-01-02T00:00:00.000Z',
    );
    expect(receiver.toSnapshot()).toMatchObject({
      version: 2,
      secret: SECRET,
      sendResolved: true,
      updatedAt: '2030-01-02T00:00:00.000Z',
      createdAt: AT,
    });
    const rotated = 'whsec_' + 'B'.repeat(32);
    receiver.replace(
      {
        name: 'ops hook',
        type: 'webhook',
        url: 'https://other.example.com/',
        sendResolved: true,
        secret: rotated,
      },
      AT,
    );
    expect(receiver.toSnapshot()).toMatchObject({ version: 3, secret: rotated });
  });

  const email = {
    to: ['oncall@example.com', ' oncall@example.com', 'lead@example.com'],
    from: 'alerts@example.com',
    smtp: { host: 'SMTP.Example.com', port: 587, tls: 'starttls' },
  };

  it('creates slack, email and alertmanager receivers with only their own fields', () => {
    const slack = Receiver.create({
      ...base,
      type: 'slack',
      url: 'https://hooks.slack.com/services/T0/B0/x',
      secret: undefined,
    }).toSnapshot();
    expect(slack).toMatchObject({ type: 'slack', secret: null, email: null, credentials: null });
    const mail = Receiver.create({
      ...base,
      type: 'email',
      url: undefined,
      secret: undefined,
      email,
      credentials: { username: 'u', password: 'p' },
    }).toSnapshot();
    expect(mail).toMatchObject({
      url: null,
      secret: null,
      // Trimmed, each once; the host lower-cased.
      email: {
        to: ['oncall@example.com', 'lead@example.com'],
        smtp: { host: 'smtp.example.com', port: 587, tls: 'starttls' },
      },
      credentials: { username: 'u', password: 'p' },
    });
    const am = Receiver.create({
      ...base,
      type: 'alertmanager',
      url: 'http://alertmanager:9093',
      secret: undefined,
    }).toSnapshot();
    expect(am).toMatchObject({
      type: 'alertmanager',
      url: 'http://alertmanager:9093',
      secret: null,
    });
  });

  it("refuses another kind's fields, a missing url or secret, bad addresses and SMTP hosts", () => {
    const noSecret = { ...base, secret: undefined };
    expect(codeOf(() => Receiver.create({ ...base, type: 'slack', url: base.url }))).toBe(
      'receiver.field_not_allowed',
    );
    expect(codeOf(() => Receiver.create({ ...noSecret, type: 'webhook' }))).toBe(
      'receiver.secret_required',
    );
    expect(codeOf(() => Receiver.create({ ...noSecret, type: 'slack', url: undefined }))).toBe(
      'receiver.url_required',
    );
    expect(codeOf(() => Receiver.create({ ...noSecret, type: 'email', email }))).toBe(
      'receiver.field_not_allowed',
    );
    expect(codeOf(() => Receiver.create({ ...noSecret, type: 'email', url: undefined }))).toBe(
      'receiver.email_required',
    );
    expect(
      codeOf(() => Receiver.create({ ...noSecret, type: 'alertmanager', email, url: base.url })),
    ).toBe('receiver.field_not_allowed');
    expect(
      codeOf(() =>
        Receiver.create({
          ...noSecret,
          type: 'slack',
          url: base.url,
          credentials: { username: 'u', password: 'p' },
        }),
      ),
    ).toBe('receiver.field_not_allowed');
    const mail = (settings: Record<string, unknown>) => () =>
      Receiver.create({
        ...noSecret,
        type: 'email',
        url: undefined,
        email: { ...email, ...settings },
      });
    for (const to of [[], ['not-an-address'], ['a@b'], ['Ops <ops@example.com>']]) {
      expect(codeOf(mail({ to })), JSON.stringify(to)).toBe('receiver.invalid_email');
    }
    expect(codeOf(mail({ from: 'nobody' }))).toBe('receiver.invalid_email');
    for (const host of ['smtp://mail.example.com', 'mail.example.com:25', '', '-bad.example.com']) {
      expect(codeOf(mail({ smtp: { host, port: 25, tls: 'none' } })), host).toBe(
        'receiver.invalid_smtp_host',
      );
    }
    expect(codeOf(mail({ smtp: { host: 'mail', port: 0, tls: 'none' } }))).toBe(
      'receiver.invalid_smtp_port',
    );
    expect(codeOf(mail({ smtp: { host: 'mail', port: 25, tls: 'ssl' } }))).toBe(
      'receiver.invalid_smtp_tls',
    );
    expect(codeOf(mail({ smtp: { host: '[::1]', port: 25, tls: 'none' } }))).toBe(undefined);
  });

  it('keeps write-only fields on a replace of the same kind, drops them on a change of kind', () => {
    const at = '2030-01-02T00:00:00.000Z';
    const slack = Receiver.create({
      ...base,
      type: 'slack',
      url: 'https://hooks.slack.com/services/T0/B0/x',
      secret: undefined,
    });
    slack.replace({ name: 'ops hook', type: 'slack', sendResolved: true }, at);
    expect(slack.toSnapshot()).toMatchObject({
      version: 2,
      url: 'https://hooks.slack.com/services/T0/B0/x',
      sendResolved: true,
    });
    // Slack to webhook: a webhook needs its secret; given one, the slack URL is not kept.
    expect(
      codeOf(() => slack.replace({ name: 'ops hook', type: 'webhook', url: base.url }, at)),
    ).toBe('receiver.secret_required');
    // Webhook to slack: the webhook URL is not a slack URL to keep.
    const hook = Receiver.create(base);
    expect(codeOf(() => hook.replace({ name: 'ops hook', type: 'slack' }, at))).toBe(
      'receiver.url_required',
    );
    const mail = Receiver.create({
      ...base,
      type: 'email',
      url: undefined,
      secret: undefined,
      email,
      credentials: { username: 'u', password: 'p' },
    });
    const same = { name: 'ops hook', type: 'email', email };
    mail.replace(same, at);
    expect(mail.toSnapshot()).toMatchObject({ version: 1, credentials: { username: 'u' } });
    mail.replace({ ...same, credentials: null }, at);
    expect(mail.toSnapshot()).toMatchObject({ version: 2, credentials: null });
    mail.replace({ ...same, credentials: { username: 'v', password: 'q' } }, at);
    expect(mail.toSnapshot()).toMatchObject({ version: 3, credentials: { username: 'v' } });
    expect(
      codeOf(() => mail.replace({ ...same, credentials: { username: '', password: 'q' } }, at)),
    ).toBe('receiver.invalid_credentials');
    mail.replace({ name: 'ops hook', type: 'alertmanager', url: 'http://am:9093' }, at);
    expect(mail.toSnapshot()).toMatchObject({
      version: 4,
      type: 'alertmanager',
      email: null,
      credentials: null,
    });
  });
});

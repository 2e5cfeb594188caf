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
    expect(codeOf(() => Receiver.create({ ...base, type: 'slack' }))).toBe(
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
});

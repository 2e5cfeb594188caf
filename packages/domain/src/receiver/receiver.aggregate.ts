import { AggregateRoot, type DomainEvent } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';

/**
 * Receiver kinds: `webhook` (Alertmanager v4 JSON, Standard Webhooks signed), `slack` (an incoming
 * webhook), `email` (SMTP) and `alertmanager` (POST /api/v2/alerts of an existing Alertmanager).
 */
export const RECEIVER_TYPES = ['webhook', 'slack', 'email', 'alertmanager'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/**
 * How an email receiver talks TLS to its SMTP server: `implicit` (TLS from the first byte, port
 * 465 usually), `starttls` (plain connect, then STARTTLS, required: a server that does not offer
 * it is refused), `none` (plain text throughout; development relays only).
 */
export const SMTP_TLS_MODES = ['implicit', 'starttls', 'none'] as const;
export type SmtpTlsMode = (typeof SMTP_TLS_MODES)[number];

export const RECEIVER_NAME_MAX_LENGTH = 200;
export const RECEIVER_URL_MAX_LENGTH = 2048;
export const EMAIL_ADDRESS_MAX_LENGTH = 254;
export const EMAIL_RECIPIENTS_MAX = 20;
export const SMTP_HOST_MAX_LENGTH = 253;
export const SMTP_CREDENTIAL_MAX_LENGTH = 512;
/** Standard Webhooks: `whsec_` then the base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const SECRET_PATTERN =
  /^whsec_(?:[A-Za-z0-9+/]{4}){8,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** One address, no display name: local@domain, the domain with a dot. */
const EMAIL_PATTERN = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;
/** A DNS name (letters, digits, dashes, dots) or an IPv4 literal; an IPv6 literal in brackets. */
const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[[0-9A-Fa-f:.]+\]$/;

export interface SmtpServer {
  readonly host: string;
  readonly port: number;
  readonly tls: SmtpTlsMode;
}

/** What an email receiver sends and through which server (credentials apart: write-only). */
export interface EmailSettings {
  readonly to: readonly string[];
  readonly from: string;
  readonly smtp: SmtpServer;
}

/** SMTP AUTH credentials: write-only through the API. */
export interface SmtpCredentials {
  readonly username: string;
  readonly password: string;
}

export interface ReceiverSnapshot {
  readonly receiverId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly type: ReceiverType;
  /**
   * webhook: where the message is POSTed; slack: the incoming-webhook URL (a credential: it holds
   * the token, so the API never shows more than its origin); alertmanager: the Alertmanager's base
   * URL (`/api/v2/alerts` is appended). Null for email.
   */
  readonly url: string | null;
  /** Whether the receiver also wants a notification when the alert resolves (send_resolved). */
  readonly sendResolved: boolean;
  /** The Standard Webhooks signing secret of a webhook receiver; write-only through the API. */
  readonly secret: string | null;
  /** An email receiver's settings; null for the other kinds. */
  readonly email: EmailSettings | null;
  /** An email receiver's SMTP AUTH credentials, when it has some; write-only. */
  readonly credentials: SmtpCredentials | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EmailSettingsInput {
  readonly to: readonly string[];
  readonly from: string;
  readonly smtp: { readonly host: string; readonly port: number; readonly tls: string };
}

export interface ReceiverConfigInput {
  readonly name: string;
  readonly type: string;
  readonly url?: string | undefined;
  readonly sendResolved?: boolean | undefined;
  readonly email?: EmailSettingsInput | undefined;
}

export interface CreateReceiverInput extends ReceiverConfigInput {
  readonly receiverId: string;
  readonly tenantId: string;
  /** A webhook's `whsec_` secret: the caller's, or one the application generated. */
  readonly secret?: string | undefined;
  /** An email receiver's SMTP credentials, if its server wants them. */
  readonly credentials?: SmtpCredentials | undefined;
  /** Command time, ISO-8601. */
  readonly at: string;
}

export interface ReplaceReceiverInput extends ReceiverConfigInput {
  /** A new secret rotates it; absent keeps the current one (a webhook staying a webhook). */
  readonly secret?: string | undefined;
  /** New SMTP credentials; null removes them; absent keeps the current ones. */
  readonly credentials?: SmtpCredentials | null | undefined;
}

function receiverType(value: string): ReceiverType {
  ensure(
    (RECEIVER_TYPES as readonly string[]).includes(value),
    'receiver.unsupported_type',
    `receiver type must be one of ${RECEIVER_TYPES.join(', ')}`,
    { type: value },
  );
  return value as ReceiverType;
}

/**
 * An absolute http(s) URL without credentials in it (the signature authenticates us; userinfo in
 * a URL ends up in logs). Where it points is judged at send time (DNS can change), not here.
 */
export function receiverUrl(value: string): string {
  const url = typeof value === 'string' ? value.trim() : '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  ensure(
    parsed !== undefined &&
      url.length <= RECEIVER_URL_MAX_LENGTH &&
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      parsed.hostname !== '' &&
      parsed.username === '' &&
      parsed.password === '',
    'receiver.invalid_url',
    'url must be an absolute http(s) URL without credentials',
  );
  return url;
}

export function webhookSecret(value: string): string {
  ensure(
    SECRET_PATTERN.test(value),
    'receiver.invalid_secret',
    'secret must be whsec_ followed by the base64 of 24 to 64 bytes (Standard Webhooks)',
  );
  return value;
}

/** One mailbox address (no display name), trimmed. */
export function emailAddress(value: string, field: string): string {
  const address = typeof value === 'string' ? value.trim() : '';
  ensure(
    address.length <= EMAIL_ADDRESS_MAX_LENGTH && EMAIL_PATTERN.test(address),
    'receiver.invalid_email',
    `${field} must be one email address (local@domain)`,
    { field },
  );
  return address;
}

function emailSettings(input: EmailSettingsInput | undefined): EmailSettings {
  ensure(
    input !== undefined,
    'receiver.email_required',
    'an email receiver needs email: { to, from, smtp }',
  );
  const list: unknown = input.to;
  const recipients: readonly string[] = input.to;
  ensure(
    Array.isArray(list) && recipients.length >= 1 && recipients.length <= EMAIL_RECIPIENTS_MAX,
    'receiver.invalid_email',
    `email.to must list 1 to ${EMAIL_RECIPIENTS_MAX} addresses`,
    { field: 'email.to' },
  );
  const to = [...new Set(recipients.map((a) => emailAddress(a, 'email.to')))];
  const host = typeof input.smtp.host === 'string' ? input.smtp.host.trim().toLowerCase() : '';
  ensure(
    host.length >= 1 && host.length <= SMTP_HOST_MAX_LENGTH && HOST_PATTERN.test(host),
    'receiver.invalid_smtp_host',
    'email.smtp.host must be a host name or an IP address (no scheme, no port)',
  );
  ensure(
    Number.isInteger(input.smtp.port) && input.smtp.port >= 1 && input.smtp.port <= 65_535,
    'receiver.invalid_smtp_port',
    'email.smtp.port must be 1-65535',
  );
  ensure(
    (SMTP_TLS_MODES as readonly string[]).includes(input.smtp.tls),
    'receiver.invalid_smtp_tls',
    `email.smtp.tls must be one of ${SMTP_TLS_MODES.join(', ')}`,
  );
  return {
    to,
    from: emailAddress(input.from, 'email.from'),
    smtp: { host, port: input.smtp.port, tls: input.smtp.tls as SmtpTlsMode },
  };
}

function smtpCredentials(input: SmtpCredentials): SmtpCredentials {
  for (const field of ['username', 'password'] as const) {
    const value = input[field];
    ensure(
      typeof value === 'string' && value.length >= 1 && value.length <= SMTP_CREDENTIAL_MAX_LENGTH,
      'receiver.invalid_credentials',
      `credentials.${field} must be 1-${SMTP_CREDENTIAL_MAX_LENGTH} characters`,
      { field: `credentials.${field}` },
    );
  }
  return { username: input.username, password: input.password };
}

/** Field by field: a stored snapshot's objects may come back with their keys in another order. */
function sameEmail(a: EmailSettings | null, b: EmailSettings | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.from === b.from &&
    a.to.length === b.to.length &&
    a.to.every((address, i) => address === b.to[i]) &&
    a.smtp.host === b.smtp.host &&
    a.smtp.port === b.smtp.port &&
    a.smtp.tls === b.smtp.tls
  );
}

/** The kind's own fields, each kind refusing what is not its own. */
interface KindFields {
  readonly url: string | null;
  readonly email: EmailSettings | null;
}

/**
 * A tenant's notification target, defined once and named by alert rule actions. No events: a
 * receiver is configuration read only by this service.
 */
export class Receiver extends AggregateRoot<DomainEvent> {
  private constructor(private state: ReceiverSnapshot & { readonly tenantId: TenantId }) {
    super();
  }

  static create(input: CreateReceiverInput): Receiver {
    const config = Receiver.config(input, undefined);
    return new Receiver({
      receiverId: input.receiverId,
      tenantId: toTenantId(input.tenantId),
      ...config,
      secret: Receiver.secretFor(config.type, input.secret, undefined),
      credentials: Receiver.credentialsFor(config.type, input.credentials, undefined),
      version: 1,
      createdAt: input.at,
      updatedAt: input.at,
    });
  }

  static rehydrate(snapshot: ReceiverSnapshot): Receiver {
    return new Receiver({ ...snapshot, tenantId: toTenantId(snapshot.tenantId) });
  }

  get id(): string {
    return this.state.receiverId;
  }

  get version(): number {
    return this.state.version;
  }

  /**
   * Replaces the configuration; one that changes nothing keeps the version. Write-only fields
   * (a webhook's secret, a slack URL, SMTP credentials) may be left out while the kind stays the
   * same: the current ones are kept.
   */
  replace(input: ReplaceReceiverInput, at: string): void {
    const current = this.state;
    const config = Receiver.config(input, current);
    const secret = Receiver.secretFor(config.type, input.secret, current);
    const credentials = Receiver.credentialsFor(config.type, input.credentials, current);
    const unchanged =
      config.name === current.name &&
      config.type === current.type &&
      config.url === current.url &&
      config.sendResolved === current.sendResolved &&
      sameEmail(config.email, current.email) &&
      secret === current.secret &&
      credentials?.username === current.credentials?.username &&
      credentials?.password === current.credentials?.password;
    if (unchanged) return;
    this.state = {
      ...current,
      ...config,
      secret,
      credentials,
      version: current.version + 1,
      updatedAt: at,
    };
  }

  toSnapshot(): ReceiverSnapshot {
    return { ...this.state };
  }

  private static config(input: ReceiverConfigInput, current: ReceiverSnapshot | undefined) {
    const type = receiverType(input.type);
    return {
      name: requiredText(
        input.name,
        'name',
        'receiver.name_required',
        RECEIVER_NAME_MAX_LENGTH,
      ).trim(),
      type,
      ...Receiver.kindFields(type, input, current),
      sendResolved: input.sendResolved ?? false,
    };
  }

  private static kindFields(
    type: ReceiverType,
    input: ReceiverConfigInput,
    current: ReceiverSnapshot | undefined,
  ): KindFields {
    switch (type) {
      case 'webhook':
      case 'alertmanager':
        ensure(
          input.email === undefined,
          'receiver.field_not_allowed',
          `a ${type} receiver has no email settings`,
        );
        ensure(input.url !== undefined, 'receiver.url_required', `a ${type} receiver needs a url`);
        return { url: receiverUrl(input.url), email: null };
      case 'slack': {
        ensure(
          input.email === undefined,
          'receiver.field_not_allowed',
          'a slack receiver has no email settings',
        );
        // The incoming-webhook URL is write-only: a slack receiver staying slack keeps it.
        const kept = current?.type === 'slack' ? current.url : null;
        const url = input.url === undefined ? kept : receiverUrl(input.url);
        ensure(
          url !== null,
          'receiver.url_required',
          'a slack receiver needs its incoming-webhook url',
        );
        return { url, email: null };
      }
      case 'email':
        ensure(
          input.url === undefined,
          'receiver.field_not_allowed',
          'an email receiver has no url',
        );
        return { url: null, email: emailSettings(input.email) };
      default: {
        const unreachable: never = type;
        throw new Error(`unknown receiver type ${String(unreachable)}`);
      }
    }
  }

  /** A webhook's signing secret (given, else the current one); no other kind has one. */
  private static secretFor(
    type: ReceiverType,
    secret: string | undefined,
    current: ReceiverSnapshot | undefined,
  ): string | null {
    if (type !== 'webhook') {
      ensure(
        secret === undefined,
        'receiver.field_not_allowed',
        `a ${type} receiver has no signing secret`,
      );
      return null;
    }
    if (secret !== undefined) return webhookSecret(secret);
    const kept = current?.type === 'webhook' ? current.secret : null;
    ensure(kept !== null, 'receiver.secret_required', 'a webhook receiver needs a signing secret');
    return kept;
  }

  /** An email receiver's credentials (given, null removed, absent kept); no other kind has any. */
  private static credentialsFor(
    type: ReceiverType,
    credentials: SmtpCredentials | null | undefined,
    current: ReceiverSnapshot | undefined,
  ): SmtpCredentials | null {
    if (type !== 'email') {
      ensure(
        credentials === undefined || credentials === null,
        'receiver.field_not_allowed',
        `a ${type} receiver has no SMTP credentials`,
      );
      return null;
    }
    if (credentials === null) return null;
    if (credentials !== undefined) return smtpCredentials(credentials);
    return current?.type === 'email' ? current.credentials : null;
  }
}

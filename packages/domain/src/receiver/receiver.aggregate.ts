import { AggregateRoot, type DomainEvent } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';

/** Receiver kinds this version delivers to; slack, email and alertmanager follow (issue 22). */
export const RECEIVER_TYPES = ['webhook'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

export const RECEIVER_NAME_MAX_LENGTH = 200;
export const RECEIVER_URL_MAX_LENGTH = 2048;
/** Standard Webhooks: `whsec_` then the base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const SECRET_PATTERN =
  /^whsec_(?:[A-Za-z0-9+/]{4}){8,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface ReceiverSnapshot {
  readonly receiverId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly type: ReceiverType;
  readonly url: string;
  /** Whether the receiver also wants a notification when the alert resolves (send_resolved). */
  readonly sendResolved: boolean;
  /** The Standard Webhooks signing secret; write-only through the API. */
  readonly secret: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ReceiverConfigInput {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly sendResolved?: boolean;
}

export interface CreateReceiverInput extends ReceiverConfigInput {
  readonly receiverId: string;
  readonly tenantId: string;
  /** A `whsec_` secret: the caller's, or one the application generated. */
  readonly secret: string;
  /** Command time, ISO-8601. */
  readonly at: string;
}

export interface ReplaceReceiverInput extends ReceiverConfigInput {
  /** A new secret rotates it; absent keeps the current one. */
  readonly secret?: string;
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

/**
 * A tenant's notification target, defined once and named by alert rule actions. No events: a
 * receiver is configuration read only by this service.
 */
export class Receiver extends AggregateRoot<DomainEvent> {
  private constructor(private state: ReceiverSnapshot & { readonly tenantId: TenantId }) {
    super();
  }

  static create(input: CreateReceiverInput): Receiver {
    return new Receiver({
      receiverId: input.receiverId,
      tenantId: toTenantId(input.tenantId),
      ...Receiver.config(input),
      secret: webhookSecret(input.secret),
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

  /** Replaces the configuration; one that changes nothing keeps the version. */
  replace(input: ReplaceReceiverInput, at: string): void {
    const config = Receiver.config(input);
    const secret = input.secret === undefined ? this.state.secret : webhookSecret(input.secret);
    const current = this.state;
    const unchanged =
      config.name === current.name &&
      config.type === current.type &&
      config.url === current.url &&
      config.sendResolved === current.sendResolved &&
      secret === current.secret;
    if (unchanged) return;
    this.state = { ...current, ...config, secret, version: current.version + 1, updatedAt: at };
  }

  toSnapshot(): ReceiverSnapshot {
    return { ...this.state };
  }

  private static config(input: ReceiverConfigInput) {
    return {
      name: requiredText(
        input.name,
        'name',
        'receiver.name_required',
        RECEIVER_NAME_MAX_LENGTH,
      ).trim(),
      type: receiverType(input.type),
      url: receiverUrl(input.url),
      sendResolved: input.sendResolved ?? false,
    };
  }
}

import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress } from './address-policy.js';

export interface SendOptions {
  readonly timeoutMs: number;
  readonly allowPrivateTargets: boolean;
}

export type SendOutcome =
  /** The receiver answered (any status). */
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly retryAfter: string | undefined;
    }
  /** The target resolves to an address we refuse to send to (final). */
  | { readonly kind: 'refused'; readonly error: string }
  /** No answer: DNS failure, connection refused or reset, timeout (retried). */
  | { readonly kind: 'unreachable'; readonly error: string };

/**
 * Resolves the host now (every address: a name with one private address among public ones is
 * refused) and returns the addresses the connection may use. A refused one names what it is.
 * Every kind's sender calls it before connecting: HTTP URLs and SMTP hosts alike.
 */
export async function vetTarget(
  hostname: string,
  allowPrivateTargets: boolean,
): Promise<{ addresses: LookupAddress[] } | { refused: string }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses: LookupAddress[] =
    isIP(host) !== 0
      ? [{ address: host, family: isIP(host) }]
      : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new Error(`${host} has no address`);
  if (!allowPrivateTargets) {
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (kind !== 'public') {
        return {
          refused: `target refused: ${host} resolves to ${address}, a ${kind} address (NOTIFY_ALLOW_PRIVATE_TARGETS is off)`,
        };
      }
    }
  }
  return { addresses };
}

/** A lookup that answers only the vetted addresses: no second resolution to be rebound. */
function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) {
      callback(null, [...addresses]);
      return;
    }
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  };
}

/**
 * One JSON POST to a tenant-supplied URL. The target is resolved and vetted at send time (DNS can
 * change after the receiver was created) and the connection uses exactly the vetted addresses.
 * Redirects are not followed (a 3xx is an answer like any other).
 */
export async function postJson(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendOutcome> {
  const url = new URL(target);
  let vetted: Awaited<ReturnType<typeof vetTarget>>;
  try {
    vetted = await vetTarget(url.hostname, options.allowPrivateTargets);
  } catch (err) {
    return { kind: 'unreachable', error: `resolving ${url.hostname}: ${messageOf(err)}` };
  }
  if ('refused' in vetted) return { kind: 'refused', error: vetted.refused };
  const requestOptions: RequestOptions = {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'obs-alert-rule-service',
      ...headers,
      'content-length': String(Buffer.byteLength(body)),
    },
    lookup: pinnedLookup(vetted.addresses),
    signal: AbortSignal.timeout(options.timeoutMs),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendOutcome>((resolve) => {
    const req = send(url, requestOptions, (res) => {
      // Drained, not read: the answer's status is all that counts.
      res.resume();
      res.on('end', () =>
        resolve({
          kind: 'answered',
          status: res.statusCode ?? 0,
          retryAfter: headerOf(res.headers['retry-after']),
        }),
      );
      res.on('error', (err) => resolve({ kind: 'unreachable', error: messageOf(err) }));
      // Cut off mid-answer (the deadline, a reset): no 'end'. The first resolve wins.
      res.on('close', () =>
        resolve({ kind: 'unreachable', error: 'connection closed before the answer ended' }),
      );
    });
    req.on('error', (err) => resolve({ kind: 'unreachable', error: messageOf(err) }));
    req.end(body);
  });
}

const headerOf = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

export const messageOf = (err: unknown): string =>
  err instanceof Error
    ? err.name === 'TimeoutError' || err.name === 'AbortError'
      ? 'timed out'
      : err.message
    : String(err);

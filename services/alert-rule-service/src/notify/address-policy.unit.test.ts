import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address-policy.js';
import { vetTarget } from './http-post.js';

/** expect.stringMatching, typed: an asymmetric matcher where a string is expected. */
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['[::1]', 'loopback'],
  ])('sees the IPv4 inside %s (%s)', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });
});

describe('vetTarget', () => {
  it('refuses a literal loopback or metadata host unless private targets are allowed', async () => {
    expect(await vetTarget('127.0.0.1', false)).toEqual({
      refused: matching(/127\.0\.0\.1, a loopback address/),
    });
    expect(await vetTarget('[::1]', false)).toEqual({ refused: matching(/loopback/) });
    expect(await vetTarget('169.254.169.254', false)).toEqual({
      refused: matching(/metadata/),
    });
    expect(await vetTarget('127.0.0.1', true)).toEqual({
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
  });

  it('resolves a name and judges every address it has (localhost is loopback)', async () => {
    expect(await vetTarget('localhost', false)).toEqual({
      refused: matching(/^target refused: localhost resolves to .*loopback/),
    });
  });
});

import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './process.js';

/** A self-signed certificate for 127.0.0.1 and localhost, in the forms the servers want. */
export interface TestCertificate {
  /** PEM certificate: what a client trusts (`KAFKA_TLS_CA_FILE`, `sslrootcert`). */
  readonly certFile: string;
  /** PEM private key (PostgreSQL's ssl_key_file). */
  readonly keyFile: string;
  /** PKCS#12 keystore with both (Kafka's ssl.keystore.location). */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
}

async function openssl(args: readonly string[]): Promise<void> {
  const run = await runCommand('openssl', args, { timeoutMs: 60_000 });
  if (run.code !== 0) {
    throw new Error(`openssl ${args[0] ?? ''} failed (exit ${String(run.code)}): ${run.output}`);
  }
}

/**
 * Generates a fresh certificate with openssl (valid two days), so TLS is tested against a real
 * server with real verification and no key material is committed. `owner` hands the files to the
 * OS user a server runs as (PostgreSQL refuses a key it does not own).
 */
export async function generateTestCertificate(
  dir: string,
  owner?: { uid: number; gid: number },
): Promise<TestCertificate> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const keystoreFile = join(dir, 'server.p12');
  const keystorePassword = 'local-infra-test';
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  await openssl([
    'pkcs12',
    '-export',
    '-in',
    certFile,
    '-inkey',
    keyFile,
    '-name',
    'server',
    '-out',
    keystoreFile,
    '-passout',
    `pass:${keystorePassword}`,
  ]);
  await runCommand('chmod', ['0600', keyFile]);
  if (owner) {
    for (const file of [certFile, keyFile, keystoreFile]) await chown(file, owner.uid, owner.gid);
  }
  return { certFile, keyFile, keystoreFile, keystorePassword };
}

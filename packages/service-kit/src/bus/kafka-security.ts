import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

export interface KafkaSecuritySettings {
  readonly KAFKA_TLS?: boolean;
  readonly KAFKA_TLS_CA_FILE?: string;
  readonly KAFKA_SASL_MECHANISM?: KafkaSaslMechanism;
  readonly KAFKA_SASL_USERNAME?: string;
  readonly KAFKA_SASL_PASSWORD?: string;
}

export interface KafkaSecurity {
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: SASLOptions;
}

/**
 * TLS and SASL for managed brokers, from the environment. Azure Event Hubs: KAFKA_TLS=true,
 * KAFKA_SASL_MECHANISM=plain, KAFKA_SASL_USERNAME=$ConnectionString and the namespace's connection
 * string as the password. A CA file is only needed for a broker whose certificate the system does
 * not trust (a private CA, the tests' generated one). SASL without TLS would send the password in
 * clear, so it is refused unless KAFKA_TLS=false is said explicitly.
 */
export function kafkaSecurityFrom(env: KafkaSecuritySettings): KafkaSecurity {
  const tls = env.KAFKA_TLS ?? (env.KAFKA_SASL_MECHANISM !== undefined || undefined);
  let ssl: KafkaConfig['ssl'];
  if (tls) ssl = env.KAFKA_TLS_CA_FILE ? { ca: [readCa(env.KAFKA_TLS_CA_FILE)] } : true;
  else if (env.KAFKA_TLS_CA_FILE) {
    throw new Error('KAFKA_TLS_CA_FILE is set but KAFKA_TLS is false');
  }
  if (!env.KAFKA_SASL_MECHANISM) {
    if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) {
      throw new Error('KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not');
    }
    return { ssl };
  }
  const missing = [
    env.KAFKA_SASL_USERNAME ? undefined : 'KAFKA_SASL_USERNAME',
    env.KAFKA_SASL_PASSWORD ? undefined : 'KAFKA_SASL_PASSWORD',
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0) {
    throw new Error(`KAFKA_SASL_MECHANISM is set but ${missing.join(' and ')} not`);
  }
  const credentials = {
    username: env.KAFKA_SASL_USERNAME as string,
    password: env.KAFKA_SASL_PASSWORD as string,
  };
  return { ssl, sasl: { mechanism: env.KAFKA_SASL_MECHANISM, ...credentials } };
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`KAFKA_TLS_CA_FILE ${file} cannot be read: ${(error as Error).message}`);
  }
}

/**
 * The first connection's failure, said plainly: a refused login is final (kafkajs does not
 * retry it), so the service stops at start with the mechanism and user named, not a stack.
 */
export function describeKafkaConnectError(error: unknown, security: KafkaSecurity): Error {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'KafkaJSSASLAuthenticationError' && security.sasl) {
    return new Error(
      `Kafka refused the SASL login (mechanism ${security.sasl.mechanism}, user ${
        'username' in security.sasl ? security.sasl.username : '?'
      }): ${message}. Check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD.`,
    );
  }
  if (/certificate|self.signed|SSL|TLS/i.test(message)) {
    return new Error(
      `Kafka TLS handshake failed: ${message}. Set KAFKA_TLS_CA_FILE to the broker's CA if it is private.`,
    );
  }
  return error instanceof Error ? error : new Error(message);
}

import { describe, expect, it } from 'vitest';
import { kafkaSecurityFrom } from './kafka-security.js';

describe('kafkaSecurityFrom', () => {
  it('is plaintext with nothing set', () => {
    expect(kafkaSecurityFrom({})).toEqual({ ssl: undefined });
  });

  it('turns TLS on with a SASL mechanism (Event Hubs: PLAIN, $ConnectionString)', () => {
    expect(
      kafkaSecurityFrom({
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: '$ConnectionString',
        KAFKA_SASL_PASSWORD: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=x',
      }),
    ).toEqual({
      ssl: true,
      sasl: {
        mechanism: 'plain',
        username: '$ConnectionString',
        password: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=x',
      },
    });
  });

  it('refuses half a configuration, naming what is missing', () => {
    expect(() => kafkaSecurityFrom({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(
      'KAFKA_SASL_MECHANISM is set but KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD not',
    );
    expect(() => kafkaSecurityFrom({ KAFKA_SASL_USERNAME: 'u' })).toThrow(
      /KAFKA_SASL_MECHANISM is not/,
    );
    expect(() => kafkaSecurityFrom({ KAFKA_TLS: false, KAFKA_TLS_CA_FILE: '/ca.pem' })).toThrow(
      /KAFKA_TLS is false/,
    );
    expect(() =>
      kafkaSecurityFrom({ KAFKA_TLS: true, KAFKA_TLS_CA_FILE: '/no/such/ca.pem' }),
    ).toThrow(/KAFKA_TLS_CA_FILE \/no\/such\/ca.pem cannot be read/);
  });
});

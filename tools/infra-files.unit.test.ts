import { SERVICE_PORTS, type ServiceName } from '@obs/service-kit';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeValidator } from './compose-schema.js';

// The deployment files against the code: every service under services/ is deployed with its
// port and every variable the kit needs in production; the compose file against the Compose
// Specification JSON schema. (`pnpm check:infra` validates the same files with the Compose CLI
// and checkov.)
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');
const serviceDirs = readdirSync(join(root, 'services')).sort();

/** What a service reads in production besides its own settings (packages/service-kit/src/config.ts). */
const KIT_VARIABLES = ['NODE_ENV', 'HOST', 'PORT', 'DATABASE_URL', 'KAFKA_BROKERS'] as const;
const BLOB_VARIABLE = 'AZURE_STORAGE_CONNECTION_STRING';

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read('infra', 'docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('services', () => {
  // The services and their ports: docs/design.md#ports (the test name keeps its old wording).
  it('every directory under services/ is one of the eleven services of DESIGN.md section 3', () => {
    expect(serviceDirs.filter((dir) => !(dir in SERVICE_PORTS))).toEqual([]);
  });
});

describe('infra/docker-compose.yml', () => {
  it.each(serviceDirs)(
    'runs %s from the root Dockerfile on its port, with every kit variable',
    (name) => {
      const service = compose.services[name];
      const port = String(SERVICE_PORTS[name as ServiceName]);
      expect(service?.build?.args?.SERVICE).toBe(name);
      expect(service?.ports).toEqual([`${port}:${port}`]);
      const env = service?.environment ?? {};
      for (const variable of [...KIT_VARIABLES, BLOB_VARIABLE])
        expect(env[variable], variable).toBeTruthy();
      expect(env.PORT).toBe(port);
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.NODE_ENV).toBe('production');
      // The secret is the operator's, from infra/.env; compose refuses to start without it.
      expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
      for (const other of serviceDirs) {
        expect(env[`${other.replaceAll('-', '_').toUpperCase()}_URL`]).toBe(
          `http://${other}:${SERVICE_PORTS[other as ServiceName]}`,
        );
      }
      for (const dependency of ['postgres', 'kafka', 'azurite']) {
        expect(service?.depends_on?.[dependency]?.condition).toBe('service_healthy');
      }
    },
  );

  it('runs the infrastructure from official images with pinned tags, each with a healthcheck', () => {
    const infra = ['postgres', 'kafka', 'azurite'].map((name) => compose.services[name]);
    expect(infra.map((s) => s?.image)).toEqual([
      expect.stringMatching(/^postgres:[0-9]+\.[0-9]+/),
      expect.stringMatching(/^apache\/kafka:[0-9]+\.[0-9]+\.[0-9]+$/),
      expect.stringMatching(/^mcr\.microsoft\.com\/azure-storage\/azurite:[0-9]+\.[0-9]+\.[0-9]+$/),
    ]);
    for (const service of infra) expect(service).toHaveProperty('healthcheck');
  });
});

describe('infra/docker-compose.yml against the Compose Specification JSON schema', () => {
  const validate = composeValidator();

  it('is a valid Compose file', () => {
    expect(validate(compose)).toEqual([]);
  });

  it('would refuse a file that breaks the specification (the check can fail)', () => {
    const broken = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services['incident-service'] = {
      ...broken.services['incident-service'],
      depends_on: { postgres: { condition: 'service_happy' } },
      healthcheck: { interval: 'soon' },
    };
    const paths = validate(broken).map((error) => error.instancePath);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/services/incident-service/depends_on/postgres/condition',
        '/services/incident-service/healthcheck/interval',
      ]),
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore').split('\n');

  it('builds any service on Node 22 LTS, with production dependencies only, as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22\.[0-9]+\.[0-9]+-bookworm-slim$/m);
    expect(dockerfile).toContain('deploy --prod');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
  });

  it('leaves node_modules, .data and the tests out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.data', '**/*.test.ts']));
  });
});

describe('infra/bicep', () => {
  const main = read('infra', 'bicep', 'main.bicep');
  const serviceApp = read('infra', 'bicep', 'modules', 'service-app.bicep');
  const postgres = read('infra', 'bicep', 'modules', 'postgres.bicep');

  it.each(serviceDirs)('has a container app for %s on its port', (name) => {
    expect(main).toMatch(
      new RegExp(`name: '${name}',?\\s*\\n?\\s*port: ${SERVICE_PORTS[name as ServiceName]}\\b`),
    );
  });

  it('gives every app the variables the kit needs in production, secrets from Key Vault', () => {
    for (const variable of [
      'NODE_ENV',
      'HOST',
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'KAFKA_TLS',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      BLOB_VARIABLE,
      'JWKS_URL',
      'JWT_ISSUER',
      'JWT_AUDIENCE',
      'JWT_SECRET',
    ]) {
      expect(main, variable).toContain(`name: '${variable}'`);
    }
    expect(serviceApp).toContain("name: 'PORT'");
    for (const secret of ['DATABASE_URL', 'KAFKA_SASL_PASSWORD', BLOB_VARIABLE, 'JWT_SECRET']) {
      expect(main).toMatch(new RegExp(`name: '${secret}', secretRef: '[a-z-]+'`));
    }
    // Event Hubs' Kafka endpoint: SASL/PLAIN over TLS, `$ConnectionString` as the user.
    expect(main).toContain("{ name: 'KAFKA_SASL_USERNAME', value: '$ConnectionString' }");
    // The database URL requires TLS and verifies the server.
    expect(postgres).toMatch(/databaseUrl string = 'postgres:\/\/.*\?sslmode=verify-full'/);
    expect(postgres).toContain("name: 'require_secure_transport'");
  });

  it('scales consumers on Kafka lag for exactly the consumer groups the services run', () => {
    const declared = [...main.matchAll(/group: '([a-z-]+)\.([a-z-]+)'/g)].map(
      ([, service, consumer]) => `${service}.${consumer}`,
    );
    const actual = serviceDirs.flatMap((service) =>
      consumerNames(service).map((c) => `${service}.${c}`),
    );
    expect(declared.sort()).toEqual(actual.sort());
  });
});

/** The names of a service's consumers, as its consumer files declare them (`consumerOf('name'`). */
function consumerNames(service: string): string[] {
  const dir = join(root, 'services', service, 'src', 'consumers');
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.consumer.ts'));
  } catch {
    return [];
  }
  return files.flatMap((file) =>
    [...readFileSync(join(dir, file), 'utf8').matchAll(/consumerOf\('([a-z-]+)'/g)].map(
      ([, name]) => name as string,
    ),
  );
}

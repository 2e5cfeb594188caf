import { dlqTopicFor, TOPICS } from '@obs/event-envelope';
import { OTLP_GATEWAY_PORT, OTLP_ROUTES, SERVICE_PORTS, type ServiceName } from '@obs/service-kit';
import { resourceAttributesOf } from '@obs/service-kit/testing';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bundleService, healthcheckScript, productionDependencies } from './bundle-service.js';
import { composeValidator } from './compose-schema.js';
import { SERVICES } from './services.js';

// The deployment files against the code: every service under services/ is deployed with its
// port and every variable the kit needs in production; the compose file against the Compose
// Specification JSON schema. (`pnpm check:infra` validates the same files with the Compose CLI
// and checkov.)
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');
const serviceDirs = readdirSync(join(root, 'services')).sort();
/**
 * Connections a service holds besides its pool: the outbox relay's LISTEN connection, and one per
 * job that names a `wakeOn` channel (the kit's job runner LISTENs for it).
 */
const extraConnections = (name: string): number => {
  const jobsDir = join(root, 'services', name, 'src', 'jobs');
  if (!existsSync(jobsDir)) return 1;
  const jobs = readdirSync(jobsDir, { withFileTypes: true }).filter((f) =>
    f.name.endsWith('.job.ts'),
  );
  return (
    1 + jobs.filter((f) => /\bwakeOn:/.test(readFileSync(join(jobsDir, f.name), 'utf8'))).length
  );
};

/** What a service reads in production besides its own settings (packages/service-kit/src/config.ts). */
const KIT_VARIABLES = ['NODE_ENV', 'HOST', 'PORT', 'DATABASE_URL', 'KAFKA_BROKERS'] as const;
const BLOB_VARIABLE = 'AZURE_STORAGE_CONNECTION_STRING';

interface ComposeService {
  image?: string;
  restart?: string;
  build?: { args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
  volumes?: string[];
}
const compose = parse(read('infra', 'docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
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

  it("keeps Kafka's log directories on a named volume (the image defaults to /tmp)", () => {
    const kafka = compose.services.kafka;
    const dirs = (kafka?.environment?.KAFKA_LOG_DIRS ?? '').split(',').filter(Boolean);
    expect(dirs.length).toBeGreaterThan(0);
    const namedMounts = (kafka?.volumes ?? [])
      .map((mount) => mount.split(':'))
      .filter(([source]) => source !== undefined && source in (compose.volumes ?? {}))
      .map(([, target]) => target as string);
    for (const dir of dirs) {
      expect(
        namedMounts.some((target) => dir === target || dir.startsWith(`${target}/`)),
        dir,
      ).toBe(true);
    }
  });

  it('sizes PostgreSQL max_connections for every service pool plus its LISTEN connections', () => {
    const serverArgs = compose.services.postgres?.command ?? [];
    const setting = serverArgs.find((arg) => arg.startsWith('max_connections='));
    const maxConnections = Number(setting?.split('=')[1] ?? 100);
    const superuserReserved = 3; // PostgreSQL's default superuser_reserved_connections
    const perService = serviceDirs.map((name) => {
      const pool = Number(compose.services[name]?.environment?.DATABASE_POOL_SIZE);
      expect(pool, `${name} DATABASE_POOL_SIZE`).toBeGreaterThanOrEqual(1);
      return pool + extraConnections(name);
    });
    const total = perService.reduce((sum, n) => sum + n, 0);
    expect(total).toBeLessThan(maxConnections - superuserReserved);
    // The kit hands the variable to the pool.
    expect(read('packages', 'service-kit', 'src', 'build-service.ts')).toContain(
      'poolSize: env.DATABASE_POOL_SIZE',
    );
  });

  it('gives Kafka a listener for consumers on the Docker host, published on loopback only', () => {
    const env = compose.services.kafka?.environment ?? {};
    const names = (list: string | undefined) =>
      (list ?? '').split(',').map((listener) => listener.split(':')[0]);
    const mapped = names(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP);
    for (const name of names(env.KAFKA_LISTENERS)) expect(mapped, name).toContain(name);
    const host = (env.KAFKA_ADVERTISED_LISTENERS ?? '')
      .split(',')
      .find((listener) => listener.startsWith('HOST://'));
    const port = /^HOST:\/\/localhost:(\d+)$/.exec(host ?? '')?.[1];
    expect(port).toBeDefined();
    expect(env.KAFKA_LISTENERS).toContain(`HOST://:${port}`);
    expect(compose.services.kafka?.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(read('README.md')).toContain(`localhost:${port}`);
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

  it('fetches and installs before it knows the service, so all eleven images share those layers', () => {
    const lines = dockerfile.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const fetch = at(/^RUN pnpm fetch$/);
    const copyAll = at(/^COPY \. \.$/);
    const install = at(/^RUN pnpm install --frozen-lockfile --offline$/);
    const serviceArg = at(/^ARG SERVICE$/);
    expect(lines[fetch - 1]).toBe('COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./');
    expect(fetch).toBeGreaterThan(0);
    expect(copyAll).toBeGreaterThan(fetch);
    expect(install).toBeGreaterThan(copyAll);
    // The first ARG SERVICE (the build stage's) comes after the install.
    expect(serviceArg).toBeGreaterThan(install);
    expect(lines.slice(0, install).join('\n')).not.toContain('SERVICE}');
    // The image's node_modules is the bundle's dependency list, copied out of the deploy tree.
    expect(dockerfile).toContain('pnpm bundle "${SERVICE}" /app/dist --node-modules /deploy');
    expect(dockerfile).toContain('COPY --from=build --chown=node:node /app /app');
  });

  it('health-checks the port the service listens on, PORT set or not', async () => {
    expect(dockerfile).toMatch(/^\s+CMD \["node", "dist\/healthcheck\.mjs"\]$/m);
    expect(dockerfile).not.toMatch(/^ENV[\s\S]*\bPORT=/m);
    for (const name of serviceDirs) {
      expect(healthcheckScript(name)).toContain(
        `const port = process.env.PORT || '${SERVICE_PORTS[name as ServiceName]}';`,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'obs-healthcheck-'));
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/healthz' ? 200 : 404;
      response.end();
    });
    try {
      const script = join(dir, 'healthcheck.mjs');
      writeFileSync(script, healthcheckScript('incident-service'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const run = (env: Record<string, string>) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [script], { env: { ...env } });
          child.on('exit', (code) => resolve(code));
        });
      expect(await run({ PORT: String(port) })).toBe(0);
      server.close();
      expect(await run({ PORT: String(port) })).toBe(1);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(serviceDirs)(
    'ships %s with a dependency list free of test tools, dev-only and type packages',
    async (name) => {
      const dir = mkdtempSync(join(tmpdir(), 'obs-bundle-'));
      try {
        const { imports } = await bundleService(name, dir);
        const list = productionDependencies(imports).map((dependency) => dependency.name);
        expect(list).toEqual(expect.arrayContaining(['fastify', 'pg', 'pino', 'typeorm']));
        for (const excluded of ['azurite', 'mysql2', 'pino-pretty'])
          expect(list, excluded).not.toContain(excluded);
        expect(list.filter((dependency) => dependency.startsWith('@types/'))).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );

  it('leaves node_modules, .data and the tests out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.data', '**/*.test.ts']));
  });
});

describe('infra/bicep', () => {
  const main = read('infra', 'bicep', 'main.bicep');
  const serviceApp = read('infra', 'bicep', 'modules', 'service-app.bicep');
  const postgres = read('infra', 'bicep', 'modules', 'postgres.bicep');
  const module = (name: string) => read('infra', 'bicep', 'modules', `${name}.bicep`);
  const bicepFiles = [
    'main.bicep',
    ...readdirSync(join(root, 'infra', 'bicep', 'modules')).map((file) => `modules/${file}`),
  ];

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

  it('sizes the Event Hubs namespace for every topic the services create, dead-letter topics included', () => {
    // Every Kafka topic is an event hub; the tier caps them per namespace (Event Hubs quotas).
    const eventHubs = module('eventhubs');
    const sku = /^param sku string = '(\w+)'$/m.exec(eventHubs)?.[1] ?? '';
    const capacity = Number(/^param capacity int = (\d+)$/m.exec(eventHubs)?.[1]);
    const quota = eventHubsPerNamespace(sku, capacity);
    // The defaults are what main.bicep deploys: it passes neither.
    expect(main).not.toMatch(/\b(sku|capacity):/);
    // Upper bound of what the services create at start: every aggregate topic (a service's own
    // topics) and its `.dlq` (a consumer's runner creates one beside each topic it reads).
    const topics = new Set([...TOPICS, ...TOPICS.map(dlqTopicFor)]);
    expect(topics.size, `${topics.size} topics on ${sku} × ${capacity}`).toBeLessThanOrEqual(quota);
    // The tier the template had: its 11th createTopics would fail.
    expect(topics.size).toBeGreaterThan(eventHubsPerNamespace('Standard', 1));
  });

  it('reaches Key Vault through a private endpoint in the Container Apps environment VNet', () => {
    const vault = module('keyvault');
    const network = module('network');
    const environment = module('container-environment');
    // Container Apps is not a trusted service for the firewall bypass: only a private path works.
    expect(vault).toContain("publicNetworkAccess: 'Disabled'");
    expect(vault).toMatch(/Microsoft\.Network\/privateEndpoints@/);
    expect(vault).toMatch(/privateLinkServiceId: vault\.id, groupIds: \['vault'\]/);
    expect(vault).toMatch(/privateDnsZoneGroups@[\s\S]*privateDnsZoneId: privateDnsZoneId/);
    expect(network).toContain("name: 'privatelink.vaultcore.azure.net'");
    expect(network).toMatch(/virtualNetworkLinks@[\s\S]*parent: vaultZone[\s\S]*id: vnet\.id/);
    // The endpoint's subnet and the environment's subnet are in the same VNet.
    expect(main).toContain('privateEndpointSubnetId: network.outputs.privateEndpointsSubnetId');
    expect(main).toContain('privateDnsZoneId: network.outputs.vaultDnsZoneId');
    expect(main).toContain('infrastructureSubnetId: network.outputs.appsSubnetId');
    expect(environment).toMatch(
      /vnetConfiguration: \{\s*infrastructureSubnetId: infrastructureSubnetId/,
    );
    expect(network).toContain("serviceName: 'Microsoft.App/environments'");
  });

  it('grants the identity the apps pull images with AcrPull on the registry, before any app', () => {
    expect(serviceApp).toContain(
      'registries: empty(registryServer) ? [] : [{ server: registryServer, identity: identityId }]',
    );
    expect(module('acr-pull')).toContain("acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'");
    expect(main).toMatch(
      /module acrPull 'modules\/acr-pull\.bicep' = if \(!empty\(registryServer\)\)[\s\S]*principalId: identity\.outputs\.principalId/,
    );
    expect(main).toMatch(/module apps [\s\S]*dependsOn: \[acrPull\]/);
  });

  it.each(bicepFiles)('calls nothing over plain http (%s): ingress is https-only', (file) => {
    expect(read('infra', 'bicep', file)).not.toMatch(/http:\/\//);
  });

  it('gives service-to-service URLs the https FQDN the environment certificate names', () => {
    expect(serviceApp).toContain('allowInsecure: false');
    expect(main).toContain(
      "value: 'https://${service.name}.${service.external ? '' : 'internal.'}${environment.outputs.defaultDomain}'",
    );
  });

  it('sets only variables the code reads, and the Azure Monitor adapters', () => {
    const source = sourceText();
    const variables = [...main.matchAll(/\{ name: '([A-Z][A-Z0-9_]+)'/g)].map(([, name]) => name);
    expect(variables.length).toBeGreaterThan(10);
    for (const variable of variables)
      expect(source, variable).toMatch(new RegExp(`\\b${variable}\\b`));
    expect(main).toMatch(
      /'log-query-service': \[\{ name: 'LOG_STORE', value: 'log-analytics' \}\]/,
    );
    expect(main).toMatch(/\{ name: 'TRACE_SPAN_READER', value: 'app-insights' \}/);
    expect(main).toMatch(
      /\{ name: 'TRACE_APP_INSIGHTS_WORKSPACE_ID', value: monitoring\.outputs\.workspaceCustomerId \}/,
    );
    expect(main).toContain(
      "{ name: 'LOG_ANALYTICS_WORKSPACE_ID', value: monitoring.outputs.workspaceCustomerId }",
    );
    // Spans leave through the environment's OpenTelemetry agent to Application Insights: Container
    // Apps sets OTEL_EXPORTER_OTLP_ENDPOINT, on which the kit starts its OTLP exporter.
    const environment = module('container-environment');
    expect(environment).toContain(
      'appInsightsConfiguration: { connectionString: appInsightsConnectionString }',
    );
    expect(environment).toContain("tracesConfiguration: { destinations: ['appInsights'] }");
    expect(read('packages', 'service-kit', 'src', 'telemetry.ts')).toContain(
      'process.env.OTEL_EXPORTER_OTLP_ENDPOINT',
    );
  });

  it('keeps PostgreSQL off the internet: VNet integration, no firewall rule', () => {
    expect(postgres).not.toMatch(/firewallRules|0\.0\.0\.0/);
    expect(postgres).toMatch(
      /network: \{\s*publicNetworkAccess: 'Disabled'\s*delegatedSubnetResourceId: delegatedSubnetId\s*privateDnsZoneArmResourceId: privateDnsZoneId/,
    );
    expect(module('network')).toContain(
      "name: '${postgresServerName}.private.postgres.database.azure.com'",
    );
    expect(main).toContain('delegatedSubnetId: network.outputs.postgresSubnetId');
  });

  it('gives every app a startup probe within the platform limits, and HTTP scaling beside Kafka lag', () => {
    const startup = /type: 'Startup'([\s\S]*?)\n\s*\}/.exec(serviceApp)?.[1] ?? '';
    expect(startup).toContain("httpGet: { path: '/healthz', port: port }");
    const value = (key: string) => Number(new RegExp(`${key}: (\\d+)`).exec(startup)?.[1]);
    // Container Apps: failureThreshold 1–10, initialDelaySeconds 0–60, periodSeconds 1–240.
    expect(value('failureThreshold')).toBeLessThanOrEqual(10);
    expect(value('initialDelaySeconds')).toBeLessThanOrEqual(60);
    // Migrations and topic creation get at least 90 s before liveness counts.
    expect(
      value('initialDelaySeconds') + value('periodSeconds') * value('failureThreshold'),
    ).toBeGreaterThanOrEqual(90);
    expect(serviceApp).toContain('var scaleRules = concat(httpRules, lagRules)');
    expect(serviceApp).toContain('rules: scaleRules');
  });

  it('keeps every replica of every app within the PostgreSQL SKU connection limit', () => {
    // Azure Database for PostgreSQL flexible server: default max_connections per SKU, of which 15
    // are reserved for replication and monitoring ("Limits" in its documentation).
    const maxConnectionsBySku: Record<string, number> = {
      Standard_D2ds_v5: 859,
      Standard_D4ds_v5: 1718,
    };
    const sku = /^param skuName string = '(\w+)'$/m.exec(postgres)?.[1] ?? '';
    const maxConnections = maxConnectionsBySku[sku];
    expect(maxConnections, sku).toBeDefined();
    const maxReplicas = Number(/^param maxReplicas int = (\d+)$/m.exec(main)?.[1]);
    const pool = Number(
      /DATABASE_POOL_SIZE: z\.coerce[^\n]*\.default\((\d+)\)/.exec(
        read('packages', 'service-kit', 'src', 'config.ts'),
      )?.[1],
    );
    expect(main).not.toContain("'DATABASE_POOL_SIZE'"); // the kit's default applies
    const total = serviceDirs.reduce(
      (sum, name) => sum + maxReplicas * (pool + extraConnections(name)),
      0,
    );
    expect(total).toBeLessThanOrEqual((maxConnections as number) - 15);
  });

  it('lists every service with the schema of its ServiceDefinition', () => {
    const declared = [
      ...main.matchAll(/name: '([a-z-]+)',?\s*port: \d+,?\s*schema: '([a-z_]+)'/g),
    ].map(([, name, schema]) => `${name}:${schema}`);
    expect(declared.sort()).toEqual(SERVICES.map((s) => `${s.name}:${s.schema}`).sort());
  });

  it('connects no app as the PostgreSQL admin: each gets its own role URL, the bootstrap job the admin one', () => {
    const job = module('db-roles-job');
    // The admin URL is one secret, handed to the job module only.
    expect(postgres).toMatch(/output databaseUrl string = /);
    expect([...main.matchAll(/postgres\.outputs\.databaseUrl/g)]).toHaveLength(1);
    expect(main).toMatch(
      /module adminUrlSecret 'modules\/secret\.bicep' = \{[^}]*name: 'postgres-admin-url', value: postgres\.outputs\.databaseUrl/,
    );
    expect([...main.matchAll(/adminUrlSecret\.outputs\.uri/g)]).toHaveLength(1);
    expect(main).toContain('adminUrlSecretUri: adminUrlSecret.outputs.uri');
    expect(main).not.toMatch(/name: 'database-url', value:/);
    // Each app: DATABASE_URL from its `database-url` secret, which is Key Vault's database-url-<service>.
    expect(main).toContain("{ name: 'DATABASE_URL', secretRef: 'database-url' }");
    expect(main).toMatch(
      /module apps 'modules\/service-app\.bicep' = \[for \(service, i\) in services: \{[\s\S]*keyVaultSecrets: concat\(keyVaultSecrets, \[\s*\{ name: 'database-url', keyVaultUrl: databaseUrlSecrets\[i\]\.outputs\.uri \}\s*\]\)[\s\S]*databaseRolesJob: dbRoles\.outputs\.jobName/,
    );
    expect(main).toMatch(
      /module databaseUrlSecrets 'modules\/secret\.bicep' = \[for service in services: \{[\s\S]*?name: 'database-url-\$\{service\.name\}'\s*value: 'postgres:\/\/\$\{service\.schema\}_svc:\$\{uriComponent\(serviceDatabasePasswords\[service\.name\]\)\}@[^']*\?sslmode=verify-full'/,
    );
    // The shared secret list holds no database URL.
    const shared = /var platformSecrets = \[([\s\S]*?)\n\]/.exec(main)?.[1] ?? '';
    expect(shared).toContain('kafka-connection-string');
    expect(shared).not.toMatch(/database|postgres/);
    // The job: the admin URL and each role's password, the bootstrap the images carry, on deploy.
    expect(job).toContain("resource job 'Microsoft.App/jobs@");
    expect(job).toContain("triggerType: 'Manual'");
    expect(job).toContain("{ name: 'DATABASE_URL', secretRef: 'postgres-admin-url' }");
    expect(job).toContain('env: concat(baseEnv, roleEnv)');
    expect(job).toContain("name: 'DB_ROLE_PASSWORD_${toUpper(role.schema)}'");
    expect(job).toContain("'dist/db-roles.mjs', '--execute'");
    expect(job).toContain('az containerapp job start');
    expect(job).toContain('forceUpdateTag: now');
    expect(read('packages', 'service-kit', 'src', 'db', 'roles.ts')).toContain(
      'export const passwordEnvName = (schema: string): string =>\n  `DB_ROLE_PASSWORD_${schema.toUpperCase()}`;',
    );
    expect(read('tools', 'bundle-service.ts')).toContain("out: 'db-roles'");
  });

  it('sets an expiry on every Key Vault secret, and documents their rotation', () => {
    const secret = module('secret');
    expect(secret).toMatch(/exp: dateTimeToEpoch\(dateTimeAdd\(now, 'P\$\{expiresInDays\}D'\)\)/);
    expect(Number(/param expiresInDays int = (\d+)/.exec(secret)?.[1])).toBeLessThanOrEqual(365);
    // Versionless URI: Container Apps picks up a rotated secret's new version by itself.
    expect(secret).toContain('output uri string = secret.properties.secretUri');
    expect(read('infra', 'bicep', 'README.md')).toMatch(/^## Secret rotation$/m);
  });
});

describe('the OTLP/HTTP front door on 4318 (docs/design.md#ports)', () => {
  const main = read('infra', 'bicep', 'main.bicep');
  const serviceApp = read('infra', 'bicep', 'modules', 'service-app.bicep');
  const upstreams = [...new Set(Object.values(OTLP_ROUTES))].sort();
  const command = ['node', '--enable-source-maps', 'dist/otlp-gateway.mjs'];

  it('is the standard port and reaches the three ingest services', () => {
    expect(OTLP_GATEWAY_PORT).toBe(4318);
    expect(upstreams).toEqual(['log-query-service', 'metric-aggregation-service', 'trace-service']);
    // Every image carries the front door next to the service (tools/bundle-service.ts).
    expect(read('tools', 'bundle-service.ts')).toContain("out: 'otlp-gateway'");
  });

  it('runs in compose from the trace-service image on 4318, after the three services are healthy', () => {
    const gateway = compose.services['otlp-gateway'];
    expect(gateway?.build?.args?.SERVICE).toBe('trace-service');
    expect(gateway?.image).toBe(compose.services['trace-service']?.image);
    expect(gateway?.command).toEqual(command);
    expect(gateway?.ports).toEqual(['4318:4318']);
    expect(gateway?.restart).toBe('unless-stopped');
    const env = gateway?.environment ?? {};
    expect(env).toMatchObject({ PORT: '4318', HOST: '0.0.0.0', NODE_ENV: 'production' });
    for (const upstream of upstreams) {
      const variable = `${upstream.replaceAll('-', '_').toUpperCase()}_URL`;
      expect(env[variable], variable).toBe(
        `http://${upstream}:${SERVICE_PORTS[upstream as ServiceName]}`,
      );
      expect(gateway?.depends_on?.[upstream]?.condition).toBe('service_healthy');
    }
    // No database, no secret: it holds none.
    expect(Object.keys(env).filter((name) => /DATABASE|JWT|KAFKA|AZURE/.test(name))).toEqual([]);
  });

  it('gives every service CORS_ORIGINS from infra/.env, empty (no CORS) unless set', () => {
    for (const name of serviceDirs)
      expect(compose.services[name]?.environment?.CORS_ORIGINS, name).toBe('${CORS_ORIGINS:-}');
    expect(read('infra', '.env.example')).toMatch(/^CORS_ORIGINS=$/m);
  });

  it('is a container app on 4318 with external ingress, from the trace-service image, and an output', () => {
    expect(main).toContain("var otlpGateway = { name: 'otlp-gateway', port: 4318 }");
    expect(main).toMatch(
      /module gateway 'modules\/service-app\.bicep' = \{[\s\S]*?name: otlpGateway\.name\s*port: otlpGateway\.port\s*external: true\s*image: '\$\{imageRepository\}\/trace-service:\$\{imageTag\}'\s*command: \['node', '--enable-source-maps', 'dist\/otlp-gateway\.mjs'\]/,
    );
    expect(main).toContain(
      "var otlpUpstreams = ['trace-service', 'log-query-service', 'metric-aggregation-service']",
    );
    expect(main).toContain("value: 'https://${upstream}.${environment.outputs.defaultDomain}'");
    expect(main).toContain("output otlpEndpoint string = 'https://${gateway.outputs.fqdn}'");
    // The module runs the given program instead of the image's, and only then.
    expect(serviceApp).toContain('command: empty(command) ? null : take(command, 1)');
    expect(serviceApp).toContain('args: empty(command) ? null : skip(command, 1)');
  });

  it('documents an OpenTelemetry Collector whose otlphttp exporter sends every signal to 4318 with the token', () => {
    const page = read('docs', 'otel-collector.md');
    const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const config = parse(yamlBlock) as {
      exporters: Record<string, { endpoint: string; headers: Record<string, string> }>;
      processors: Record<string, { attributes?: { key: string }[] }>;
      service: { pipelines: Record<string, { exporters: string[] }> };
    };
    const exporter = config.exporters['otlphttp/obs'];
    expect(exporter?.endpoint).toMatch(/:4318$/);
    expect(exporter?.headers.Authorization).toBe('Bearer ${env:OBS_TOKEN}');
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const pipeline of Object.values(config.service.pipelines))
      expect(pipeline.exporters).toEqual(['otlphttp/obs']);
    // The dimensions it sets are the kit's attribute keys (service.name is the application's).
    const keys = (config.processors['resource/obs']?.attributes ?? []).map((a) => a.key);
    expect([...keys, 'service.name'].sort()).toEqual(Object.keys(resourceAttributesOf('t')).sort());
  });

  it("shows the endpoint, the token header and the eleven dimensions in the README's quick start", () => {
    const readme = read('README.md');
    expect(readme).toContain('export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318');
    expect(readme).toContain('export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20$TOKEN"');
    const line = /^export OTEL_RESOURCE_ATTRIBUTES="([^"]+)"$/m.exec(readme)?.[1] ?? '';
    const keys = line.split(',').map((pair) => pair.split('=')[0]);
    expect(keys.sort()).toEqual(Object.keys(resourceAttributesOf('t')).sort());
  });

  it('gives every app CORS_ORIGINS from the corsOrigins parameter, empty by default', () => {
    expect(main).toMatch(/^param corsOrigins string = ''$/m);
    expect(main).toContain("{ name: 'CORS_ORIGINS', value: corsOrigins }");
    const platformEnv = /var platformEnv = \[([\s\S]*?)\n\]/.exec(main)?.[1] ?? '';
    expect(platformEnv).toContain("'CORS_ORIGINS'");
  });
});

/** Event hubs per namespace by tier (Azure Event Hubs quotas and limits). */
function eventHubsPerNamespace(sku: string, capacity: number): number {
  if (sku === 'Standard' || sku === 'Basic') return 10;
  if (sku === 'Premium') return 100 * capacity;
  if (sku === 'Dedicated') return 1000;
  throw new Error(`unknown Event Hubs tier ${sku}`);
}

/** The services' and the kit's own source, tests left out: what reads the environment. */
function sourceText(): string {
  const dirs = [
    ...serviceDirs.map((service) => join(root, 'services', service, 'src')),
    join(root, 'packages', 'service-kit', 'src'),
  ];
  return dirs
    .flatMap((dir) =>
      (readdirSync(dir, { recursive: true }) as string[])
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => readFileSync(join(dir, file), 'utf8')),
    )
    .join('\n');
}

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

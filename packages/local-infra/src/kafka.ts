import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { checkJava, ensureKafkaJars } from './kafka-jars.js';
import { generateTestCertificate, type TestCertificate } from './tls.js';
import { makeEphemeralDir } from './paths.js';
import { findFreePort, isPortFree, LOOPBACK } from './ports.js';
import { runCommand, spawnManaged, tailFile, waitFor, type ManagedProcess } from './process.js';

export interface KafkaOptions {
  /** Keep the broker's data here across runs. Without it: a fresh temp dir, removed by `close()`. */
  dataDir?: string;
  /** Broker (PLAINTEXT) port; defaults to a free port on 127.0.0.1. */
  port?: number;
  /** KRaft controller port; defaults to a free port on 127.0.0.1. */
  controllerPort?: number;
  /** Per start, excluding a first Maven fetch. Default 120 s. */
  startTimeoutMs?: number;
  /** Progress lines (the one-time Maven fetch takes a while). */
  onProgress?: (message: string) => void;
  /**
   * Also listen with SASL_SSL (as Event Hubs and managed Kafka do): PLAIN and SCRAM-SHA-512 for
   * these users, TLS with a certificate generated for this start (the instance's `caFile`).
   */
  saslSsl?: { readonly users: readonly { username: string; password: string }[] };
  /** Start a broker even when KAFKA_BROKERS is set (a test that needs one configured its own way). */
  ignoreEnvironment?: boolean;
}

export interface SaslSslListener {
  /** `127.0.0.1:<port>` of the SASL_SSL listener. */
  readonly brokers: string;
  /** The PEM certificate clients verify the broker with. */
  readonly caFile: string;
}

export interface KafkaInstance {
  /** Comma-separated `host:port` list: `127.0.0.1:<port>`, or `KAFKA_BROKERS` as given. */
  readonly brokers: string;
  /** True when `KAFKA_BROKERS` was set: nothing was started and it cannot be stopped or started. */
  readonly external: boolean;
  readonly dataDir: string | undefined;
  /** The broker's log4j file (WARN and up, plus the "Kafka Server started" line). */
  readonly logFile: string | undefined;
  /** With `saslSsl`: where the secure listener is. */
  readonly saslSsl?: SaslSslListener;
  isRunning(): boolean;
  /** Stops the JVM (SIGTERM to its process group, SIGKILL after 20 s); ports and data are kept for `start()`. */
  stop(): Promise<void>;
  /** Starts the broker again on the same ports and data directory; resolves once it answers. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Final teardown: `stop()`, then removes a temp data dir. A no-op for an external broker. */
  close(): Promise<void>;
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 (what `kafka-storage random-uuid` prints). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

interface SecureListener {
  readonly port: number;
  readonly certificate: TestCertificate;
  readonly users: readonly { username: string; password: string }[];
}

/** JAAS values are double-quoted strings: a quote or backslash inside is escaped. */
function jaasString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function secureListenerProperties(secure: SecureListener): string[] {
  const plainUsers = secure.users
    .map((user) => `user_${user.username}=${jaasString(user.password)}`)
    .join(' ');
  return [
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    // SCRAM credentials live in the cluster metadata, written by `StorageTool format --add-scram`.
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `listener.name.sasl_ssl.ssl.keystore.location=${secure.certificate.keystoreFile}`,
    'listener.name.sasl_ssl.ssl.keystore.type=PKCS12',
    `listener.name.sasl_ssl.ssl.keystore.password=${secure.certificate.keystorePassword}`,
    `listener.name.sasl_ssl.ssl.key.password=${secure.certificate.keystorePassword}`,
  ];
}

function serverProperties(
  port: number,
  controllerPort: number,
  logDir: string,
  secure?: SecureListener,
): string {
  const broker = `${LOOPBACK}:${port}`;
  const controller = `${LOOPBACK}:${controllerPort}`;
  const extra = secure ? `,SASL_SSL://${LOOPBACK}:${secure.port}` : '';
  return [
    '# Written by @obs/local-infra at every start: single-node KRaft, broker and controller in one JVM.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${controller}`,
    `listeners=PLAINTEXT://${broker},CONTROLLER://${controller}${extra}`,
    `advertised.listeners=PLAINTEXT://${broker},CONTROLLER://${controller}${extra}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}`,
    ...(secure ? secureListenerProperties(secure) : []),
    `log.dirs=${logDir}`,
    // One replica of everything: there is one broker.
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Topics appear on first produce/subscribe (DLQ topics included) with one partition, which keeps
    // order per topic trivially; code that needs more partitions creates its topics explicitly.
    'auto.create.topics.enable=true',
    'num.partitions=1',
    // Fast for tests: no rebalance delay, and the internal topics load one partition instead of 50.
    'group.initial.rebalance.delay.ms=0',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.num.partitions=1',
    // The log cleaner's default 128 MiB buffer would take a quarter of the 512 MiB heap.
    'log.cleaner.dedupe.buffer.size=33554432',
    '',
  ].join('\n');
}

function xmlAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function log4jConfig(logFile: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="${xmlAttribute(logFile)}" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Root level="WARN"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
`;
}

async function brokerAnswers(brokers: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'obs-local-infra-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function externalKafka(brokers: string): KafkaInstance {
  const refuse = (): Promise<void> =>
    Promise.reject(
      new Error(
        `KAFKA_BROKERS=${brokers} is an external broker: local-infra cannot stop or start it`,
      ),
    );
  return {
    brokers,
    external: true,
    dataDir: undefined,
    logFile: undefined,
    isRunning: () => true,
    stop: refuse,
    start: refuse,
    restart: refuse,
    close: () => Promise.resolve(),
  };
}

/** `KAFKA_BROKERS` when set; otherwise a real single-node Apache Kafka (KRaft) run with the local Java. */
export async function startKafka(options: KafkaOptions = {}): Promise<KafkaInstance> {
  const fromEnv = options.ignoreEnvironment ? undefined : process.env.KAFKA_BROKERS;
  if (fromEnv) return externalKafka(fromEnv);

  await checkJava();
  const libDir = await ensureKafkaJars(options.onProgress);
  const classpath = join(libDir, '*');

  const persistent = options.dataDir !== undefined;
  const dataDir = options.dataDir ?? (await makeEphemeralDir('obs-kafka-'));
  await mkdir(dataDir, { recursive: true });
  const port = options.port ?? (await findFreePort());
  const controllerPort = options.controllerPort ?? (await findFreePort());
  const brokers = `${LOOPBACK}:${port}`;
  const logDir = join(dataDir, 'logs');
  const propertiesFile = join(dataDir, 'server.properties');
  const logFile = join(dataDir, 'broker.log');
  const jvmLogFile = join(dataDir, 'jvm.log');
  const log4jFile = join(dataDir, 'log4j2.xml');
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const secure: SecureListener | undefined = options.saslSsl
    ? {
        port: await findFreePort(),
        certificate: await generateTestCertificate(join(dataDir, 'tls')),
        users: options.saslSsl.users,
      }
    : undefined;

  let removeOnExit: (() => void) | undefined;
  if (!persistent) {
    removeOnExit = () => rmSync(dataDir, { recursive: true, force: true });
    process.once('exit', removeOnExit);
  }

  const logs = (): string =>
    `\n--- ${logFile} (tail) ---\n${tailFile(logFile)}\n--- ${jvmLogFile} (tail) ---\n${tailFile(jvmLogFile)}`;

  let jvm: ManagedProcess | undefined;
  let transition: Promise<void> = Promise.resolve();
  // start/stop may be requested concurrently (control server): run them one after another.
  const serialize = (step: () => Promise<void>): Promise<void> => {
    const next = transition.then(step, step);
    transition = next.catch(() => undefined);
    return next;
  };

  const doStart = async (): Promise<void> => {
    if (jvm?.isRunning()) return;
    for (const [what, p] of [
      ['broker', port],
      ['controller', controllerPort],
    ] as const) {
      let free = await isPortFree(p);
      for (let i = 0; !free && i < 50; i += 1) {
        await sleep(100);
        free = await isPortFree(p);
      }
      if (!free)
        throw new Error(`Kafka ${what} port ${LOOPBACK}:${p} is in use by another process`);
    }
    await writeFile(propertiesFile, serverProperties(port, controllerPort, logDir, secure));
    await writeFile(log4jFile, log4jConfig(logFile));
    if (!existsSync(join(logDir, 'meta.properties'))) {
      const format = await runCommand(
        'java',
        [
          '-cp',
          classpath,
          `-Dlog4j2.configurationFile=${log4jFile}`,
          'kafka.tools.StorageTool',
          'format',
          '--standalone',
          '-t',
          newClusterId(),
          '-c',
          propertiesFile,
          ...(secure?.users.flatMap((user) => [
            '--add-scram',
            `SCRAM-SHA-512=[name=${user.username},password=${user.password}]`,
          ]) ?? []),
        ],
        { timeoutMs: 120_000 },
      );
      if (format.code !== 0)
        throw new Error(
          `Kafka storage format failed (exit ${String(format.code)}):\n${format.output}`,
        );
    }
    const started = await spawnManaged({
      command: 'java',
      args: [
        '-Xmx512m',
        '-Xms256m',
        '-XX:+ExitOnOutOfMemoryError',
        '-XX:-UsePerfData',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4jFile}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        propertiesFile,
      ],
      cwd: dataDir,
      logFile: jvmLogFile,
    });
    jvm = started;
    try {
      await waitFor(`Kafka broker ${brokers}`, () => brokerAnswers(brokers), {
        timeoutMs,
        intervalMs: 250,
        failFast: () => (started.isRunning() ? undefined : 'the JVM exited during startup'),
      });
    } catch (error) {
      await started.stop({ timeoutMs: 5_000 });
      throw new Error(`${error instanceof Error ? error.message : String(error)}${logs()}`);
    }
  };

  const doStop = async (): Promise<void> => {
    const current = jvm;
    if (!current) return;
    await current.stop({ signal: 'SIGTERM', timeoutMs: 20_000 });
    jvm = undefined;
  };

  const start = (): Promise<void> => serialize(doStart);
  const stop = (): Promise<void> => serialize(doStop);

  try {
    await start();
  } catch (error) {
    if (removeOnExit) {
      process.removeListener('exit', removeOnExit);
      await rm(dataDir, { recursive: true, force: true });
    }
    throw error;
  }

  return {
    brokers,
    external: false,
    dataDir,
    logFile,
    saslSsl: secure
      ? { brokers: `${LOOPBACK}:${secure.port}`, caFile: secure.certificate.certFile }
      : undefined,
    isRunning: () => jvm?.isRunning() ?? false,
    start,
    stop,
    restart: () =>
      serialize(async () => {
        await doStop();
        await doStart();
      }),
    async close() {
      await stop();
      if (removeOnExit) {
        process.removeListener('exit', removeOnExit);
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

export { startPostgres } from './postgres.js';
export type { PostgresInstance, PostgresOptions } from './postgres.js';
export { startKafka } from './kafka.js';
export type { KafkaInstance, KafkaOptions, SaslSslListener } from './kafka.js';
export { generateTestCertificate } from './tls.js';
export type { TestCertificate } from './tls.js';
export { KAFKA_VERSION, kafkaCacheDir } from './kafka-jars.js';
export { startAzurite, azuriteConnectionString } from './azurite.js';
export type { AzuriteInstance, AzuriteOptions } from './azurite.js';
export { startLocalInfra, infraEnv, persistentInfraOptions } from './infra.js';
export type { InfraEnv, InfraPorts, LocalInfra, LocalInfraOptions } from './infra.js';
export {
  CONTROL_URL_ENV,
  startControlServer,
  startKafkaBroker,
  stopKafkaBroker,
} from './control.js';
export type { ControlServer } from './control.js';
export { findFreePort, isPortFree, LOOPBACK } from './ports.js';
export { dataRoot, repoRoot } from './paths.js';
export type { InfraContext } from './vitest-global-setup.js';
export { cpuBetween, sampleCpu } from './cpu-usage.js';
export type { CpuSample } from './cpu-usage.js';
export {
  GO_PEERS,
  ensureGoPeers,
  goPeerBinary,
  goPeerPath,
  goPeersCacheDir,
  startGoPeer,
} from './go-peers.js';
export type { GoPeer, GoPeerName, GoPeerSpec, StartGoPeerOptions } from './go-peers.js';

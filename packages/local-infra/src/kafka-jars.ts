import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { withFetchLock } from './fetch-lock.js';
import { runCommand } from './process.js';

/** The broker version: checked with kafkajs 2.2.4 (topics, idempotent + transactional produce, consumer groups). */
export const KAFKA_VERSION = '4.1.1';

const INSTALL_HINT =
  'Install Java 17+ and Maven (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless maven`), ' +
  'or run any Kafka broker yourself (e.g. `docker run -p 9092:9092 apache/kafka:4.1.1`) and set KAFKA_BROKERS=127.0.0.1:9092.';

/** `OBS_KAFKA_CACHE`, else `$XDG_CACHE_HOME|~/.cache` + `/obs-platform/kafka-<version>`. Outside the repo on purpose. */
export function kafkaCacheDir(): string {
  const fromEnv = process.env.OBS_KAFKA_CACHE;
  if (fromEnv) return fromEnv;
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'obs-platform', `kafka-${KAFKA_VERSION}`);
}

/** Throws naming what to install when no usable Java (17+, needed by Kafka 4) is on PATH. */
export async function checkJava(): Promise<void> {
  const result = await runCommand('java', ['-version'], { timeoutMs: 30_000 }).catch(
    () => undefined,
  );
  if (result === undefined) {
    throw new Error(`Kafka needs Java, and \`java\` was not found on PATH. ${INSTALL_HINT}`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.output);
  const first = Number(match?.[1] ?? 0);
  const major = first === 1 ? Number(match?.[2] ?? 0) : first;
  if (result.code !== 0 || major < 17) {
    throw new Error(
      `Kafka ${KAFKA_VERSION} needs Java 17+, found: ${result.output.split('\n')[0] ?? '?'}. ${INSTALL_HINT}`,
    );
  }
}

function pomPath(): string {
  return join(repoRoot(), 'infra', 'kafka', 'pom.xml');
}

/** Changes when the pom or the version changes, so an edited pom refetches. */
function fingerprint(): string {
  return createHash('sha256').update(KAFKA_VERSION).update(readFileSync(pomPath())).digest('hex');
}

const MARKER = '.obs-fetched';

function isComplete(libDir: string, expected: string): boolean {
  const marker = join(libDir, MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === expected;
}

/**
 * The broker's classpath directory, fetched with Maven from `infra/kafka/pom.xml` on first use only
 * (a marker file records the pom fingerprint). Concurrent callers share one fetch.
 */
export async function ensureKafkaJars(
  onProgress: (message: string) => void = () => undefined,
): Promise<string> {
  const cacheDir = kafkaCacheDir();
  const libDir = join(cacheDir, 'lib');
  const expected = fingerprint();
  if (isComplete(libDir, expected)) return libDir;

  await mkdir(cacheDir, { recursive: true });
  return withFetchLock(
    'Kafka jars',
    cacheDir,
    () => isComplete(libDir, expected),
    async () => {
      const mvnOk = await runCommand('mvn', ['-v'], { timeoutMs: 60_000 }).catch(() => undefined);
      if (mvnOk === undefined || mvnOk.code !== 0) {
        throw new Error(
          `The Kafka jars are not cached in ${libDir} and Maven (\`mvn\`) is not available to fetch them. ${INSTALL_HINT}`,
        );
      }
      onProgress(
        `fetching Kafka ${KAFKA_VERSION} jars with Maven into ${libDir} (once; a few minutes on a fresh machine)`,
      );
      const progress = mavenDownloadProgress(onProgress);
      const staging = join(cacheDir, `lib-staging-${process.pid}`);
      await rm(staging, { recursive: true, force: true });
      // Batch mode without -q: Maven logs one "Downloaded from" line per file, read for progress.
      const args = [
        '-B',
        '-f',
        pomPath(),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        `-Dkafka.version=${KAFKA_VERSION}`,
      ];
      const result = await runCommand('mvn', args, {
        timeoutMs: 15 * 60 * 1000,
        onOutput: (chunk) => progress.write(chunk),
      });
      if (result.code !== 0 || !existsSync(join(staging, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
        await rm(staging, { recursive: true, force: true });
        const tail = result.output.split('\n').slice(-30).join('\n');
        throw new Error(
          `Maven could not fetch the Kafka jars (mvn ${args.join(' ')}, exit ${String(result.code)}):\n${tail}`,
        );
      }
      onProgress(
        `Kafka jars fetched: ${progress.summary()} (the rest from the local Maven repository)`,
      );
      await writeFile(join(staging, MARKER), `${expected}\n`);
      await rm(libDir, { recursive: true, force: true });
      await rename(staging, libDir);
      return libDir;
    },
    () => libDir,
  );
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

/**
 * Progress of a Maven fetch from its transfer log (batch mode prints one
 * `Downloaded from <repo>: <url> (<size> <unit> at <rate>)` line per file): a line for the
 * reader at most every `intervalMs`, and a summary.
 */
export function mavenDownloadProgress(
  report: (message: string) => void,
  intervalMs = 3000,
  now: () => number = Date.now,
): { write(chunk: string): void; summary(): string } {
  let files = 0;
  let bytes = 0;
  let pending = '';
  let lastReport = now();
  const summary = () =>
    `${files} file${files === 1 ? '' : 's'}, ${(bytes / 1e6).toFixed(1)} MB downloaded`;
  return {
    write(chunk) {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /Downloaded from [^:]+: (\S+) \(([\d.,]+) (B|kB|KB|MB|GB)\b/.exec(line);
        if (!match) continue;
        files += 1;
        bytes += Number((match[2] as string).replace(',', '')) * (UNITS[match[3] as string] ?? 1);
        if (now() - lastReport >= intervalMs) {
          lastReport = now();
          report(`Kafka jars: ${summary()} so far (${(match[1] as string).split('/').pop()})`);
        }
      }
    },
    summary,
  };
}

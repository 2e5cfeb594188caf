import { describe, expect, it } from 'vitest';
import { mavenDownloadProgress } from './kafka-jars.js';

const downloaded = (file: string, size: string) =>
  `Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/kafka/${file} (${size} at 1.2 MB/s)\n`;

describe('mavenDownloadProgress: the first Kafka start says what it downloads', () => {
  it('reports files and size at most once per interval, and sums them up', () => {
    let clock = 0;
    const messages: string[] = [];
    const progress = mavenDownloadProgress(
      (m) => messages.push(m),
      3000,
      () => clock,
    );
    progress.write('Downloading from central: https://repo/x.pom\n');
    progress.write(downloaded('kafka-clients-4.1.1.pom', '1.9 kB'));
    clock = 3500;
    // A line split across two chunks still counts once.
    const line = downloaded('kafka_2.13-4.1.1.jar', '6.7 MB');
    progress.write(line.slice(0, 40));
    progress.write(line.slice(40));
    progress.write(downloaded('zstd-jni-1.5.6.jar', '512 B'));
    expect(messages).toEqual([
      'Kafka jars: 2 files, 6.7 MB downloaded so far (kafka_2.13-4.1.1.jar)',
    ]);
    expect(progress.summary()).toBe('3 files, 6.7 MB downloaded');
  });

  it('ignores everything that is not a finished download', () => {
    const messages: string[] = [];
    const progress = mavenDownloadProgress((m) => messages.push(m), 0);
    progress.write('[INFO] Scanning for projects...\n[INFO] BUILD SUCCESS\n');
    expect(messages).toEqual([]);
    expect(progress.summary()).toBe('0 files, 0.0 MB downloaded');
  });
});

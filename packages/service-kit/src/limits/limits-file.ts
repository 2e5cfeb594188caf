import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { parseLimitsFile, type LimitsFile } from './tenant-limits.js';

/**
 * The limits file, re-read when it changes (its mtime or size), so an override applies without a
 * restart. Polled rather than watched: fs.watch misses edits made by rename (editors, ConfigMap
 * updates) and is unreliable on network file systems; Mimir and Loki poll their runtime config
 * the same way. A file that fails to parse on reload keeps the last good limits (logged at error):
 * a typo must not drop every tenant to the defaults. At start it must parse, or the service
 * refuses to start, naming the field.
 */
export class LimitsFileWatcher {
  private current: LimitsFile;
  private stamp: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: Pick<Logger, 'info' | 'error'>,
  ) {
    this.stamp = this.stampOf();
    try {
      this.current = parseLimitsFile(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`TENANT_LIMITS_FILE ${path}: ${(error as Error).message}`);
    }
  }

  readonly limits = (): LimitsFile => this.current;

  /** Re-reads the file if it changed since the last read; true when new limits were taken. */
  refresh(): boolean {
    let stamp: string;
    try {
      stamp = this.stampOf();
    } catch (error) {
      this.logger.error({ err: error, path: this.path }, 'tenant limits file unreadable; kept');
      return false;
    }
    if (stamp === this.stamp) return false;
    this.stamp = stamp;
    try {
      this.current = parseLimitsFile(readFileSync(this.path, 'utf8'));
    } catch (error) {
      this.logger.error(
        { path: this.path, reason: (error as Error).message },
        'tenant limits file is invalid; the previous limits stay in force',
      );
      return false;
    }
    this.logger.info(
      { path: this.path, tenants: Object.keys(this.current.tenants ?? {}).length },
      'tenant limits reloaded',
    );
    return true;
  }

  start(pollMs: number): void {
    if (pollMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.refresh(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private stampOf(): string {
    const stat = statSync(this.path);
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  }
}

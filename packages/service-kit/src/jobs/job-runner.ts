import { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { quoteIdent } from '../db/data-source.js';

/**
 * A background worker of a service (escalation ticks, trace assembly, window close, retention).
 * The kit starts it with the service, stops it before the database closes, and shows it on
 * /readyz. Time inside a job comes from `ctx.clock`, so tests call `runOnce()` instead of waiting.
 */
export interface JobDefinition {
  /** Stable name, unique within the service: log field, /readyz entry and advisory-lock key. */
  readonly name: string;
  /** Pause between the end of one run and the start of the next; 0 = only `runOnce()` runs it. */
  readonly intervalMs: number;
  /**
   * One active runner across all processes of the service (a PostgreSQL advisory lock): for jobs
   * that must not run twice at once. Jobs safe to run concurrently (FOR UPDATE SKIP LOCKED) say false.
   */
  readonly singleActive: boolean;
  /**
   * A PostgreSQL NOTIFY channel that wakes the job: a notification on it starts a run at once
   * instead of at the end of the pause (one run per burst: notifications during a run start one
   * more right after it). For work queued by commits elsewhere (a trigger or a writer sends
   * `NOTIFY <channel>`, delivered at commit); the interval stays the fallback, so a lost
   * connection only makes the job as slow as its interval. Costs one connection per runner.
   */
  readonly wakeOn?: string;
  run(): Promise<void>;
}

export interface JobStatus {
  readonly name: string;
  readonly runs: number;
  readonly lastRunAt: string | null;
  readonly lastError: string | null;
}

export interface JobRunnerOptions {
  readonly schema: string;
  readonly dataSource: DataSource;
  readonly logger: Logger;
  /** Where `wakeOn` jobs LISTEN (a dedicated connection); without it they only poll. */
  readonly databaseUrl?: string;
}

/** Runs one job on its interval; a run never overlaps the previous one. */
export class JobRunner {
  private timer: NodeJS.Timeout | undefined;
  /** The timer is the pause before the next run (not the run itself): a wake may cut it short. */
  private waiting = false;
  /** A wake arrived during a run: the next run starts without the pause. */
  private woken = false;
  private listener: Client | undefined;
  private inFlight: Promise<boolean> | undefined;
  private stopped = false;
  private runs = 0;
  private lastRunAt: string | null = null;
  private lastError: string | null = null;
  private failures = 0;
  private lastSuccessMs: number | null = null;

  constructor(
    readonly job: JobDefinition,
    private readonly options: JobRunnerOptions,
  ) {}

  start(): void {
    if (this.job.intervalMs <= 0 || this.timer !== undefined) return;
    this.stopped = false;
    this.schedule();
    if (this.job.wakeOn !== undefined && this.options.databaseUrl !== undefined) {
      this.listen(this.job.wakeOn, this.options.databaseUrl).catch((err: unknown) =>
        this.options.logger.warn({ job: this.job.name, err }, 'job wake-up LISTEN failed; polling'),
      );
    }
  }

  private async listen(channel: string, databaseUrl: string): Promise<void> {
    const client = new Client({
      connectionString: databaseUrl,
      application_name: `${this.options.schema}-job-${this.job.name}`.slice(0, 63),
    });
    client.on('error', (err) =>
      this.options.logger.warn({ job: this.job.name, err }, 'job wake-up connection error'),
    );
    client.on('notification', () => this.wake());
    await client.connect();
    // Stopped while connecting: stop() did not see this connection.
    if (this.stopped) {
      await client.end();
      return;
    }
    this.listener = client;
    await client.query(`LISTEN ${quoteIdent(channel)}`);
  }

  private wake(): void {
    if (this.stopped) return;
    if (!this.waiting) {
      this.woken = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.woken = true;
    this.schedule();
  }

  private async closeListener(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Stops the timer and waits for a run in progress, so nothing touches a closed pool. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = false;
    await this.closeListener();
    await this.inFlight?.catch(() => undefined);
  }

  /**
   * Runs the job now (after a run in progress finishes). Resolves false when another process holds
   * the single-active lock. A failing run rejects here; on the timer it is logged and retried.
   */
  async runOnce(): Promise<boolean> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    const run = this.runGuarded();
    this.inFlight = run;
    try {
      return await run;
    } finally {
      if (this.inFlight === run) this.inFlight = undefined;
    }
  }

  /** What /metrics exposes: runs, failed runs and the end of the last successful one (epoch ms). */
  counters(): { runs: number; failures: number; lastSuccessMs: number | null } {
    return { runs: this.runs, failures: this.failures, lastSuccessMs: this.lastSuccessMs };
  }

  status(): JobStatus {
    return {
      name: this.job.name,
      runs: this.runs,
      lastRunAt: this.lastRunAt,
      lastError: this.lastError,
    };
  }

  private schedule(): void {
    if (this.stopped) return;
    const pause = this.woken ? 0 : this.job.intervalMs;
    this.woken = false;
    this.waiting = true;
    this.timer = setTimeout(() => {
      this.waiting = false;
      this.runOnce()
        .catch((err: unknown) =>
          this.options.logger.error({ job: this.job.name, err }, 'job failed'),
        )
        .finally(() => this.schedule());
    }, pause);
    // A pending run alone must not keep the process alive after close.
    this.timer.unref();
  }

  private async runGuarded(): Promise<boolean> {
    if (!this.job.singleActive) return this.record(() => this.job.run());
    const runner = this.options.dataSource.createQueryRunner();
    const key = `${this.options.schema}:job:${this.job.name}`;
    try {
      const rows = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        key,
      ])) as { locked: boolean }[];
      if (rows[0]?.locked !== true) return false;
      try {
        return await this.record(() => this.job.run());
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      }
    } finally {
      await runner.release();
    }
  }

  private async record(run: () => Promise<void>): Promise<true> {
    try {
      await run();
      this.lastError = null;
      this.lastSuccessMs = Date.now();
      return true;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.failures += 1;
      throw err;
    } finally {
      this.runs += 1;
      this.lastRunAt = new Date().toISOString();
    }
  }
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A local stand-in for the Log Analytics query API (POST /v1/workspaces/{id}/query), over HTTPS
 * because the Azure SDK sends bearer tokens to https URLs only. Its certificate is self-signed
 * for 127.0.0.1 and handed to the client as its CA. It records each request and answers with
 * the tables queued by the test, in the API's response format ({tables: [{name, columns, rows}]}),
 * or with an error status.
 */

export interface StubColumn {
  readonly name: string;
  readonly type: 'string' | 'long' | 'int' | 'datetime' | 'dynamic' | 'real' | 'bool';
}

export interface StubTable {
  readonly name: string;
  readonly columns: readonly StubColumn[];
  readonly rows: readonly (readonly unknown[])[];
}

export interface StubRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { query?: string; timespan?: string; workspaces?: string[] };
}

type StubAnswer = { tables: readonly StubTable[] } | { status: number; error: unknown };

export class LogAnalyticsStub {
  private constructor(
    private readonly server: Server,
    readonly ca: string,
    private readonly dir: string,
    readonly requests: StubRequest[],
    private readonly answers: StubAnswer[],
  ) {}

  static async start(): Promise<LogAnalyticsStub> {
    const dir = mkdtempSync(join(tmpdir(), 'la-stub-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const pem = readFileSync(cert, 'utf8');
    const requests: StubRequest[] = [];
    const answers: StubAnswer[] = [];
    const server = createServer({ key: readFileSync(key), cert: pem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: text === '' ? {} : (JSON.parse(text) as StubRequest['body']),
        });
        const answer = answers.shift() ?? { tables: [] };
        const status = 'status' in answer ? answer.status : 200;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify('status' in answer ? answer.error : { tables: answer.tables }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LogAnalyticsStub(server, pem, dir, requests, answers);
  }

  /** The endpoint to give LogsQueryClient (its `endpoint` option includes the API version). */
  get endpoint(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  answerWith(tables: readonly StubTable[]): void {
    this.answers.push({ tables });
  }

  failWith(status: number, error: unknown): void {
    this.answers.push({ status, error });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A credential for the stub: the SDK asks for a token, the stub never checks it. */
export const staticCredential = {
  getToken: () =>
    Promise.resolve({ token: 'stub-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

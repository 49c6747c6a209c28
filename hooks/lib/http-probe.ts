import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeResult {
  /** HTTP status, or undefined when no response arrived. */
  readonly status?: number;
  /** The first 64 KiB of the body. */
  readonly body: string;
  readonly millis: number;
  /** Why no response arrived (refused, reset, timed out). */
  readonly error?: string;
}

const MAX_BODY = 64 * 1024;

/**
 * One GET without keep-alive, bounded by timeoutMs from the first byte sent to the last byte
 * read. Never throws: every outcome is a ProbeResult.
 */
export function probe(url: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<ProbeResult, 'millis'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, millis: Date.now() - started });
    };
    const req = request(
      url,
      { method: 'GET', agent: false, headers: { connection: 'close', 'user-agent': 'codedeploy-hook-smoke-test' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY) body += chunk.slice(0, MAX_BODY - body.length);
        });
        res.on('end', () => finish({ status: res.statusCode, body }));
        res.on('error', (error) => finish({ status: res.statusCode, body, error: error.message }));
      },
    );
    const timer = setTimeout(
      () => {
        finish({ body: '', error: `no complete response within ${timeoutMs} ms` });
        req.destroy();
      },
      Math.max(0, timeoutMs),
    );
    req.on('error', (error: NodeJS.ErrnoException) => finish({ body: '', error: error.code ?? error.message }));
    req.end();
  });
}

/** Sends one fuzz request over plain HTTP on loopback; answers the status, or why there was none. */
import http from 'node:http';
import type { FuzzRequest } from './requests.ts';

export type Outcome = { status: number } | { error: string };

export function send(port: number, req: FuzzRequest, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Outcome) => {
      if (!done) {
        done = true;
        resolve(o);
      }
    };
    let r: http.ClientRequest;
    try {
      const headers: Record<string, string | number> = { ...req.headers, connection: 'close' };
      if (req.body) headers['content-length'] = req.body.length;
      // setHost false: the request's own Host header (possibly a hostile one) is the only one sent.
      r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, setHost: false, timeout: timeoutMs });
    } catch (err) {
      // Node refused to send it (an invalid path or header): not a finding.
      return finish({ error: `client:${(err as { code?: string }).code ?? 'invalid'}` });
    }
    r.on('response', (res) => {
      // An event stream answers and stays open: the status is all we need.
      res.resume();
      finish({ status: res.statusCode ?? 0 });
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) r.destroy();
    });
    r.on('timeout', () => {
      finish({ error: 'timeout' });
      r.destroy();
    });
    r.on('error', (err) => finish({ error: (err as { code?: string }).code ?? err.message }));
    r.end(req.body);
  });
}

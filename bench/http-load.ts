/**
 * The API over real HTTP, beside app.inject: autocannon at 1 connection (latency) and 32 (throughput)
 * against the real app and against a bare Fastify route serving the same JSON, one after the other, each
 * after a short warm-up. Used by the benchmarks; run by hand only.
 */
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';

export interface HttpFigures {
  /** mean latency at c = 1 in ms (1000 / req/s of one closed-loop connection: autocannon's histogram is in whole ms) */
  latency: number;
  /** requests per second at c = 32 */
  rps: number;
}

async function listen(app: FastifyInstance): Promise<string> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** Both load levels against one URL; throws unless every answer was a 2xx. */
export async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
): Promise<HttpFigures> {
  await autocannon({ url, connections: 4, duration: 1, headers });
  const one = await autocannon({ url, connections: 1, duration: seconds, headers });
  const many = await autocannon({ url, connections: 32, duration: seconds, headers });
  for (const r of [one, many]) {
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
      throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    }
  }
  return { latency: 1000 / one.requests.average, rps: many.requests.average };
}

/**
 * The page through the real app and through the bare route, over HTTP. `same` is true when the body read
 * over HTTP equals `expected` (what app.inject answered): the served answers are the slow path's.
 */
export async function compareOverHttp(
  app: FastifyInstance,
  path: string,
  headers: Record<string, string>,
  bare: FastifyInstance,
  barePath: string,
  expected: unknown,
  seconds = 5,
): Promise<{ api: HttpFigures; bare: HttpFigures; same: boolean }> {
  const appBase = await listen(app);
  const bareBase = await listen(bare);
  const res = await fetch(`${appBase}${path}`, { headers });
  const same = res.status === 200 && JSON.stringify(await res.json()) === JSON.stringify(expected);
  const api = await load(`${appBase}${path}`, headers, seconds);
  const bareFigures = await load(`${bareBase}${barePath}`, {}, seconds);
  return { api, bare: bareFigures, same };
}

export const httpLine = (r: { api: HttpFigures; bare: HttpFigures; same: boolean }) =>
  `HTTP c=1 ${r.api.latency.toFixed(3)} ms/request (bare ${r.bare.latency.toFixed(3)} ms); c=32 ${r.api.rps.toFixed(0)} req/s ` +
  `(bare ${r.bare.rps.toFixed(0)} req/s → ${(r.api.rps / r.bare.rps).toFixed(2)} of bare); same answer over HTTP: ${r.same}`;

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createServer, REDACTED_LOG_PATHS, redactUrl } from './server';

async function linesAt(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = await createServer({ logger: { level, stream, redact: REDACTED_LOG_PATHS } });
  app.get('/api/v1/portal/session', async () => ({ ok: true }));
  await app.ready();
  await app.inject({
    method: 'GET',
    url: '/api/v1/portal/session?token=secret.portal.token&x=1',
    headers: { authorization: 'Bearer rcp_secret' },
  });
  await app.close();
  return lines;
}

describe('request logs', () => {
  it('info (the default) logs no line per request', async () => {
    expect((await linesAt('info')).filter((line) => line.reqId)).toEqual([]);
  });

  it('debug logs one line per request, its token masked', async () => {
    const lines = (await linesAt('debug')).filter((line) => line.reqId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', method: 'GET', status: 200 });
    expect(lines[0]?.url).toBe('/api/v1/portal/session?token=[redacted]&x=1');
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('masks token-like query parameters wherever they are', () => {
    expect(redactUrl('/portal/pay?token=abc')).toBe('/portal/pay?token=[redacted]');
    expect(redactUrl('/x?a=1&access_token=abc#f')).toBe('/x?a=1&access_token=[redacted]#f');
    expect(redactUrl('/x?tokenish=1')).toBe('/x?tokenish=1');
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll } from 'vitest';

/** A loopback port nobody listens on at the moment it is asked. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every 250 ms until it answers (a rejection counts as not yet). */
export async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM, then the exit code (a graceful stop answers 0); a process already gone answers its code. */
export function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/**
 * The child processes of one test file that runs the product as processes (`recoup serve`, PgBouncer):
 * each keeps its output for the assertions, and whatever is still running when the file ends is killed,
 * so a failed test leaves no server behind. `secret` is the RECOUP_SECRET they share.
 */
export function processes(secret: string) {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
  function start(cmd: string, args: string[], env: Record<string, string> = {}) {
    const child = spawn(cmd, args, {
      env: { ...process.env, LOG_LEVEL: 'warn', RECOUP_SECRET: secret, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    children.push(child);
    return { child, output: () => output };
  }
  return {
    start,
    /** `recoup serve` from this checkout with the given environment */
    serve: (env: Record<string, string>) => start(process.execPath, ['bin/recoup.mjs', 'serve'], env),
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_ARGS } from './chromium-args';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** One Chromium for the whole run; each journey file connects to it (see launch() in browser.ts). */
    browserWsEndpoint: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts `recoup serve` on a fresh embedded database (sandbox on, demo loaded) for the browser journeys. */
export default async function setup(project: TestProject) {
  const reuse = process.env.RECOUP_E2E_URL;
  if (reuse) return reuseRunningServer(project, reuse);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'recoup-e2e-'));
  mkdirSync('test-results/screenshots', { recursive: true });
  const server: ChildProcess = spawn(process.execPath, ['bin/recoup.mjs', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      RECOUP_DATA_DIR: dataDir,
      PUBLIC_URL: baseUrl,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout?.on('data', (d) => {
    output += d;
  });
  server.stderr?.on('data', (d) => {
    output += d;
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (server.exitCode !== null) throw new Error(`recoup serve exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`recoup serve did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  project.provide('baseUrl', baseUrl);
  const browserServer = await chromium.launchServer({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  project.provide('browserWsEndpoint', browserServer.wsEndpoint());
  return async () => {
    await browserServer.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  };
}

/**
 * RECOUP_E2E_URL=http://127.0.0.1:PORT: run the journeys against a server started by hand (sandbox on, demo
 * loaded, PUBLIC_URL equal to that URL) instead of a fresh one — quicker when writing a journey.
 */
async function reuseRunningServer(project: TestProject, baseUrl: string) {
  mkdirSync('test-results/screenshots', { recursive: true });
  const res = await fetch(`${baseUrl}/readyz`);
  if (!res.ok) throw new Error(`${baseUrl} is not ready: ${res.status}`);
  project.provide('baseUrl', baseUrl);
  const browserServer = await chromium.launchServer({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  project.provide('browserWsEndpoint', browserServer.wsEndpoint());
  return async () => browserServer.close();
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerJobs } from '../../src/app/jobs';
import { RUNNABLE_JOBS, SCHEDULES } from '../../src/platform/jobs/registry';

/**
 * STYLE habits 1 and 11, held by a test: one writer per table, and plumbing that knows nothing of the
 * domain. It parses the sources (tests excluded) and fails when
 * - a file under src/platform/ imports anything under src/modules/;
 * - a module writes another module's table: Drizzle `.insert/.update/.delete(table)` of a table imported
 *   from another module, or hand-written SQL `insert into / update / delete from <table>` of a table
 *   another module declares;
 * - a module imports another module's `*.table.ts` outside its own table files (a foreign key is fine):
 *   it reads through the owner instead — its service, or a read function or SQL fragment the owner exports
 *   (`accounts.reads.ts`: `ownerNameOf(…)`, `payment-methods.reads.ts`: `paymentMethodJoin(…)`);
 * - a job defined in a `*.jobs.ts` is not registered by src/app/jobs.ts (STYLE habit 9), or a schedule or
 *   a runnable job names a job nobody defines.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

const files = sources(SRC).map((path) => ({
  path,
  rel: relative(SRC, path),
  text: readFileSync(path, 'utf8'),
}));
const moduleOf = (rel: string) => (rel.startsWith('modules/') ? rel.split('/')[1]! : null);

/** Every table name declared by `pgTable('name', …)`, with the module that declares it. */
const tableOwners = new Map<string, string>();
const tableVars = new Map<string, string>(); // `export const x = pgTable(` → module
for (const f of files.filter((f) => f.rel.endsWith('.table.ts'))) {
  const owner = moduleOf(f.rel) ?? `platform:${f.rel}`;
  for (const m of f.text.matchAll(/export const (\w+) = pgTable\(\s*'([a-z_]+)'/g)) {
    tableVars.set(m[1]!, owner);
    tableOwners.set(m[2]!, owner);
  }
}

function imports(text: string) {
  return [...text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)].map((m) => ({
    names: m[2]!
      .split(',')
      .map((n) => n.trim().replace(/^type\s+/, ''))
      .filter(Boolean),
    spec: m[3]!,
  }));
}

function resolveSpec(fromRel: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return normalize(join(dirname(fromRel), spec));
}

describe('module boundaries (STYLE habits 1 and 11)', () => {
  it('platform/ imports nothing from modules/', () => {
    const bad = files
      .filter((f) => f.rel.startsWith('platform/'))
      .flatMap((f) =>
        imports(f.text)
          .map((i) => resolveSpec(f.rel, i.spec))
          .filter((t): t is string => t?.startsWith('modules/') ?? false)
          .map((t) => `${f.rel} → ${t}`),
      );
    expect(bad).toEqual([]);
  });

  it("no module writes another module's table (Drizzle or hand-written SQL)", () => {
    const bad: string[] = [];
    for (const f of files) {
      const mine = moduleOf(f.rel);
      if (!mine) continue;
      const foreign = new Set(
        imports(f.text)
          .filter((i) => {
            const target = resolveSpec(f.rel, i.spec);
            return target?.endsWith('.table') && moduleOf(target) !== mine;
          })
          .flatMap((i) => i.names),
      );
      for (const m of f.text.matchAll(/\.(insert|update|delete)\(\s*(\w+)\s*\)/g)) {
        if (foreign.has(m[2]!)) bad.push(`${f.rel}: ${m[1]}(${m[2]})`);
      }
      for (const m of f.text.matchAll(/\b(insert\s+into|update|delete\s+from)\s+([a-z_]+)\b/gi)) {
        const owner = tableOwners.get(m[2]!.toLowerCase());
        if (!owner || owner === mine || owner.startsWith('platform:')) continue;
        bad.push(`${f.rel}: ${m[1]} ${m[2]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("a module imports another module's table only in its own table files (for foreign keys)", () => {
    const bad: string[] = [];
    for (const f of files) {
      const mine = moduleOf(f.rel);
      if (!mine || f.rel.endsWith('.table.ts')) continue;
      for (const i of imports(f.text)) {
        const target = resolveSpec(f.rel, i.spec);
        if (!target?.endsWith('.table')) continue;
        const theirs = moduleOf(target);
        if (!theirs || theirs === mine) continue;
        bad.push(`${f.rel} → ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the checks see the tables (a guard against a parser that finds nothing)', () => {
    expect(tableOwners.get('transactions')).toBe('payments');
    expect(tableOwners.get('scheduled_payments')).toBe('schedules');
    expect(tableOwners.get('failed_transactions')).toBe('failed-transactions');
    expect(tableOwners.get('sandbox_gateway_operations')).toBe('sandbox');
    expect(tableVars.size).toBeGreaterThan(15);
  });

  it('every job a *.jobs.ts defines is registered by src/app/jobs.ts, and every schedule has its job', () => {
    const defined = files
      .filter((f) => f.rel.endsWith('.jobs.ts'))
      .flatMap((f) => [...f.text.matchAll(/defineJob\(\{\s*name:\s*'([a-z-]+)'/g)].map((m) => m[1]!));
    const registered: string[] = [];
    // The handlers are built but never run here, so every service can be a stand-in.
    const standIn = new Proxy({}, { get: () => () => undefined });
    const services = new Proxy(
      { queue: { register: (job: { name: string }) => registered.push(job.name) }, sandboxClock: null },
      { get: (target, key) => (key in target ? target[key as keyof typeof target] : standIn) },
    );
    registerJobs(services as never);
    expect(defined.length).toBeGreaterThan(8);
    expect([...registered].sort()).toEqual([...new Set(defined)].sort());
    expect(registered.length).toBe(new Set(registered).size);
    const scheduled = [...SCHEDULES.map((s) => s.name), ...RUNNABLE_JOBS];
    expect(scheduled.filter((name) => !registered.includes(name))).toEqual([]);
  });
});

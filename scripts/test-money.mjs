// `npm run test:money -- [--runs N] [--steps N] [--seed S --path P] [--shrink] [--ignore MS2,…] [--pglite]`: the money model
// (test/money) on PostgreSQL, longer than its default budget or replaying a failure it printed.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    path: { type: 'string' },
    shrink: { type: 'boolean', default: false },
    ignore: { type: 'string' },
    pglite: { type: 'boolean', default: false },
  },
});
const env = { ...process.env, RECOUP_LOG_JOB_ERRORS: 'false' };
if (values.runs) env.MONEY_RUNS = values.runs;
if (values.steps) env.MONEY_STEPS = values.steps;
if (values.seed) env.MONEY_SEED = values.seed;
if (values.path) env.MONEY_PATH = values.path;
if (values.shrink) env.MONEY_SHRINK = '1';
if (values.ignore) env.MONEY_IGNORE = values.ignore;
const project = values.pglite ? 'pglite' : 'pg';
const result = spawnSync('npx', ['vitest', 'run', '--project', project, 'test/money'], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);

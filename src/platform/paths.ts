import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed project's folder: the nearest one above this module that holds package.json. The module
 * runs from src/platform/ under tsx and Vitest, and from a chunk of the bundle in dist/ in production, so a
 * fixed number of `../` would be right for only one of them.
 */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)));
/** the committed SQL migrations, applied at start-up */
export const MIGRATIONS_FOLDER = join(PROJECT_ROOT, 'drizzle');
/** the built web UI (`npm run build`) */
export const WEB_ROOT = join(PROJECT_ROOT, 'web', 'dist');
/** the compiled server (`npm run build`) and the demo snapshot built beside it */
export const DIST = join(PROJECT_ROOT, 'dist');

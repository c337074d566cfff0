import type { TestProject } from 'vitest/node';
import { prepareTemplates } from './databases';

declare module 'vitest' {
  export interface ProvidedContext {
    dbTemplate: string;
  }
}

/** Global setup of the pglite and pg projects: one migrated template per run, copied by each test file. */
export default async function setup(project: TestProject) {
  const kind = project.config.env?.TEST_DB === 'pg' ? 'pg' : 'pglite';
  const { value, teardown } = await prepareTemplates(kind);
  project.provide('dbTemplate', value);
  return teardown;
}

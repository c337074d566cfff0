import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { API_SCHEMA_FILE, generateApiSchema } from '../../scripts/api-schema';

// The web compiles against the committed file; this keeps that file honest about the server.
it('web/src/api/schema.gen.ts is what the route schemas generate', async () => {
  const fresh = await generateApiSchema();
  const committed = readFileSync(API_SCHEMA_FILE, 'utf8');
  expect(
    committed,
    'web/src/api/schema.gen.ts is stale: run `npm run generate:api` and commit the result',
  ).toBe(fresh);
});

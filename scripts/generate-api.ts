// `npm run generate:api`: writes web/src/api/schema.gen.ts from the server's route schemas.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { API_SCHEMA_FILE, generateApiSchema } from './api-schema';

writeFileSync(API_SCHEMA_FILE, await generateApiSchema());
console.log(`wrote ${relative(process.cwd(), API_SCHEMA_FILE)}`);

import { defineConfig } from 'drizzle-kit';

// Every table lives beside the module that owns it (one writer per table); drizzle-kit reads them all.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/modules/*/*.table.ts', './src/platform/*/*.table.ts'],
  out: './drizzle',
});

// `npm run build -- --demo` runs this compiled (dist/demo-snapshot.js): see snapshot.ts.
import { createDemoSnapshot } from './snapshot';

await createDemoSnapshot();
process.exit(0);

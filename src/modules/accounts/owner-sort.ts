import { sql } from 'drizzle-orm';

/**
 * An owner's name in lower case without accents, so that "Émile" sorts and matches with "emile" whatever
 * the database's locale (RA4's order, the accounts search).
 */
export const ownerSortSql = (name: ReturnType<typeof sql>) =>
  sql`translate(lower(${name}), 'àáâãäåçèéêëìíîïñòóôõöùúûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa')`;

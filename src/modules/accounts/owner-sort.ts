import { sql } from 'drizzle-orm';

/**
 * An owner's name in lower case without accents, so that "Émile" sorts and matches with "emile" whatever
 * the database's locale (RA4's order, the accounts search).
 */
export const ownerSortSql = (name: ReturnType<typeof sql>) =>
  sql`translate(lower(${name}), 'àáâãäåçèéêëìíîïñòóôõöùúûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa')`;

/**
 * The accounts list's sort key: the unaccented name under byte order ("C"), so that "Émilie" comes before
 * "Zoé" on PostgreSQL 15 and PGlite alike, whatever the database's default collation (ICU collations are not
 * in every PGlite build; "C" is everywhere). accounts.table.ts indexes exactly this expression, so the first
 * page stays an index scan.
 */
export const ownerListKeySql = (name: ReturnType<typeof sql>) => sql`(${ownerSortSql(name)} collate "C")`;

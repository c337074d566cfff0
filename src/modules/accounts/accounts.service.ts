import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import { ChangeHook } from '../../platform/db/change-hook';
import { big, type Db } from '../../platform/db/db';
import type { AuditService } from '../audit/audit.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrganizationsService } from '../organizations/organizations.service';
import { accounts } from './accounts.table';
import { ownerListKeySql, ownerSortSql } from './owner-sort';

export type Account = typeof accounts.$inferSelect;

export interface AccountView extends Account {
  currency: string;
  openDebitMinor: bigint;
  openCreditMinor: bigint;
}

export interface AccountPatch {
  ownerName?: string;
  ownerEmail?: string;
  locale?: Locale;
}

// Posted documents only: a pending eCheck is not a credit yet, a void one never will be. The outer
// columns are written qualified: Drizzle leaves them unqualified in a single-table select.
const openDebit = sql<unknown>`(select coalesce(sum(d.open_minor), 0) from documents d
  where d.organization_id = "accounts"."organization_id" and d.account_id = "accounts"."id"
    and d.side = 'debit' and d.status = 'posted')`;
const openCredit = sql<unknown>`(select coalesce(sum(d.open_minor), 0) from documents d
  where d.organization_id = "accounts"."organization_id" and d.account_id = "accounts"."id"
    and d.side = 'credit' and d.status = 'posted')`;

/** Customer files: the owner (name, e-mail, language) and the open balances of their ledger. */
/** An account whose owner changed (name, e-mail, language), for the summaries that show its owner. */
export interface OwnerChange {
  organizationId: string;
  accountId: string;
}

export class AccountsService {
  /** Reported inside the transaction that changes an account's owner. */
  readonly ownerChanged = new ChangeHook<OwnerChange>();

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      ledger: LedgerService;
      organizations: OrganizationsService;
    },
  ) {}

  async create(
    organizationId: string,
    actorId: string | null,
    input: { ownerName: string; ownerEmail: string; locale?: Locale },
  ): Promise<AccountView> {
    const org = await this.deps.organizations.get(organizationId);
    const id = await this.deps.db.transaction(async (tx) => {
      const id = newId('account');
      await tx.insert(accounts).values({
        organizationId,
        id,
        ownerName: input.ownerName.trim(),
        ownerEmail: input.ownerEmail.trim(),
        locale: input.locale ?? (org.locale as Locale),
        createdAt: this.deps.clock.now(),
      });
      // The zero summary row, so the account exists for reconciliation from the start.
      await this.deps.ledger.touch(tx, organizationId, id);
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'account.created',
        subjectType: 'account',
        subjectId: id,
        details: { ownerName: input.ownerName, ownerEmail: input.ownerEmail },
      });
      return id;
    });
    return this.view(organizationId, id);
  }

  /** The account, or 404 (also for another organization's ID). */
  async get(organizationId: string, id: string, db: Db = this.deps.db): Promise<Account> {
    const [row] = await db
      .select()
      .from(accounts)
      .where(and(eq(accounts.organizationId, organizationId), eq(accounts.id, id)))
      .limit(1);
    if (!row) throw notFound('account');
    return row;
  }

  async view(organizationId: string, id: string): Promise<AccountView> {
    const org = await this.deps.organizations.settings(organizationId);
    const [row] = await this.deps.db
      .select({ account: accounts, openDebit, openCredit })
      .from(accounts)
      .where(and(eq(accounts.organizationId, organizationId), eq(accounts.id, id)))
      .limit(1);
    if (!row) throw notFound('account');
    return {
      ...row.account,
      currency: org.currency,
      openDebitMinor: big(row.openDebit),
      openCreditMinor: big(row.openCredit),
    };
  }

  /**
   * Ordered by owner name (lower case, unaccented, byte order: "Émilie" before "Zoé"), then ID. `search` matches the owner's name or e-mail anywhere,
   * ignoring case and accents ("emile" finds "Émile").
   */
  async list(
    organizationId: string,
    opts: { search?: string; limit: number; after?: { name: string; id: string } },
  ): Promise<{ items: AccountView[]; next: { name: string; id: string } | null }> {
    const org = await this.deps.organizations.settings(organizationId);
    const nameKey = sql<string>`${ownerListKeySql(sql`${accounts.ownerName}`)}`;
    const conditions = [eq(accounts.organizationId, organizationId)];
    const search = opts.search?.trim();
    if (search) {
      const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(
        or(
          sql`${ownerSortSql(sql`${accounts.ownerName}`)} like ${ownerSortSql(sql`${pattern}::text`)}`,
          sql`lower(${accounts.ownerEmail}) like lower(${pattern})`,
        )!,
      );
    }
    if (opts.after) {
      conditions.push(
        or(
          gt(nameKey, opts.after.name),
          and(sql`${nameKey} = (${opts.after.name}::text collate "C")`, gt(accounts.id, opts.after.id)),
        )!,
      );
    }
    const found = await this.deps.db
      .select({ account: accounts, openDebit, openCredit, nameKey })
      .from(accounts)
      .where(and(...conditions))
      .orderBy(asc(nameKey), asc(accounts.id))
      .limit(opts.limit + 1);
    const page = found.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        ...r.account,
        currency: org.currency,
        openDebitMinor: big(r.openDebit),
        openCreditMinor: big(r.openCredit),
      })),
      next: found.length > opts.limit && last ? { name: String(last.nameKey), id: last.account.id } : null,
    };
  }

  /** Renames refresh the reconciliation summary in the same transaction: the owner name is an RA4 key. */
  async update(
    organizationId: string,
    actorId: string | null,
    id: string,
    patch: AccountPatch,
  ): Promise<AccountView> {
    await this.deps.db.transaction(async (tx) => {
      const before = await this.get(organizationId, id, tx);
      const set: AccountPatch = {};
      if (patch.ownerName !== undefined) set.ownerName = patch.ownerName.trim();
      if (patch.ownerEmail !== undefined) set.ownerEmail = patch.ownerEmail.trim();
      if (patch.locale !== undefined) set.locale = patch.locale;
      if (Object.keys(set).length === 0) return;
      await tx
        .update(accounts)
        .set(set)
        .where(and(eq(accounts.organizationId, organizationId), eq(accounts.id, id)));
      await this.deps.ledger.touch(tx, organizationId, id);
      await this.ownerChanged.report(tx, { organizationId, accountId: id });
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'account.updated',
        subjectType: 'account',
        subjectId: id,
        details: {
          before: { ownerName: before.ownerName, ownerEmail: before.ownerEmail, locale: before.locale },
          after: set,
        },
      });
    });
    return this.view(organizationId, id);
  }
}

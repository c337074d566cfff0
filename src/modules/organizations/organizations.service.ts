import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock';
import { isValidTimeZone } from '../../lib/dates';
import { AppError, conflict, validation } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Locale } from '../../lib/locale';
import { type Db, rows } from '../../platform/db/db';
import type { AuditService } from '../audit/audit.service';
import type { AuthService } from '../users/auth.service';
import { isPersonOf } from '../users/users.reads';
import type { UsersService } from '../users/users.service';
import { organizations } from './organizations.table';

export const MAX_LOGO_BYTES = 1024 * 1024;

export type Organization = typeof organizations.$inferSelect;

export interface OrganizationPatch {
  name?: string;
  contactEmail?: string | null;
  billingContactUserId?: string | null;
  timezone?: string;
  locale?: Locale;
  currency?: string;
}

export interface NewOrganizationWithAdmin {
  name: string;
  currency?: string;
  timezone?: string;
  locale?: Locale;
  /** the administrator's e-mail when unset */
  contactEmail?: string;
  admin: { email: string; password: string; name?: string; locale?: Locale };
}

export interface OrganizationWithAdmin {
  organizationId: string;
  userId: string;
  /** a bearer token for the administrator */
  token: string;
}

export function isKnownCurrency(code: string): boolean {
  try {
    return /^[A-Z]{3}$/.test(code) && (Intl as any).supportedValuesOf('currency').includes(code);
  } catch {
    return false;
  }
}

/** What the logo's first bytes say it is; the Content-Type header is not trusted. */
export function sniffImage(bytes: Buffer): 'image/png' | 'image/jpeg' | null {
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'image/png';
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** An organization without its logo bytes: what list pages need (currency, time zone, language, name). */
export type OrganizationSettings = Omit<Organization, 'logo'>;

/**
 * How long `settings()` keeps an organization. Changes made in this process drop it at once; another process
 * sees them within this time (a currency or time-zone change shows on its list pages a few seconds later).
 */
export const SETTINGS_TTL_MS = 5_000;
const SETTINGS_CACHE_MAX = 1_000;

export class OrganizationsService {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  private readonly settingsCache = new Map<string, { at: number; value: OrganizationSettings }>();
  private settingsGeneration = 0;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      audit: AuditService;
      publicUrl: string;
      /** the auth service's principal cache, which holds the organization's language */
      principals?: { forgetOrganization(organizationId: string): void | Promise<void> };
      settingsTtlMs?: number;
      /** for createWithAdmin: the organization's first person and their bearer token */
      people?: {
        users: Pick<UsersService, 'create'>;
        tokens: Pick<AuthService, 'issue'>;
      };
    },
  ) {}

  /**
   * A new organization with its administrator, who is also its billing contact, and a bearer token for
   * them: what `recoup org create`, the demo, the test factories and the benchmarks start from.
   */
  async createWithAdmin(input: NewOrganizationWithAdmin): Promise<OrganizationWithAdmin> {
    const people = this.deps.people;
    if (!people) throw new Error('OrganizationsService was built without users and tokens');
    const { org, admin } = await this.deps.db.transaction(async (tx) => {
      const org = await this.create(tx, {
        name: input.name,
        currency: input.currency,
        timezone: input.timezone,
        locale: input.locale,
        contactEmail: input.contactEmail ?? input.admin.email,
      });
      const admin = await people.users.create(tx, org.id, null, {
        email: input.admin.email,
        name: input.admin.name ?? input.admin.email.split('@')[0]!,
        password: input.admin.password,
        role: 'admin',
        locale: input.admin.locale,
      });
      return { org, admin };
    });
    await this.update(org.id, admin.id, { billingContactUserId: admin.id });
    const issued = await people.tokens.issue(admin, 'bearer');
    return { organizationId: org.id, userId: admin.id, token: issued.token };
  }

  async create(
    tx: Db,
    input: { name: string; currency?: string; timezone?: string; locale?: Locale; contactEmail?: string },
  ) {
    const currency = input.currency ?? 'CAD';
    const timezone = input.timezone ?? 'America/Toronto';
    const errors = [];
    if (!isKnownCurrency(currency))
      errors.push({ field: 'currency', message: 'must be an ISO 4217 currency code' });
    if (!isValidTimeZone(timezone)) errors.push({ field: 'timezone', message: 'must be an IANA time zone' });
    if (errors.length) throw validation(errors.map((e) => `${e.field} ${e.message}`).join('; '), errors);
    const id = newId('organization');
    const [org] = await tx
      .insert(organizations)
      .values({
        id,
        name: input.name,
        currency,
        timezone,
        locale: input.locale ?? 'fr-CA',
        contactEmail: input.contactEmail ?? null,
        createdAt: this.deps.clock.now(),
      })
      .returning();
    return org!;
  }

  async get(id: string, db: Db = this.deps.db): Promise<Organization> {
    const [org] = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
    if (!org) throw new AppError('not_found', 'organization not found');
    return org;
  }

  /**
   * The organization's settings for read-only pages, without the logo bytes, kept SETTINGS_TTL_MS (wall
   * time). Money-moving code reads `get()` inside its transaction instead.
   */
  async settings(id: string): Promise<OrganizationSettings> {
    const ttl = this.deps.settingsTtlMs ?? SETTINGS_TTL_MS;
    const hit = this.settingsCache.get(id);
    if (hit) {
      this.settingsCache.delete(id);
      if (performance.now() - hit.at <= ttl) {
        this.settingsCache.set(id, hit);
        return hit.value;
      }
    }
    const generation = this.settingsGeneration;
    const { logo: _logo, ...columns } = getTableColumns(organizations);
    const [org] = await this.deps.db
      .select(columns)
      .from(organizations)
      .where(eq(organizations.id, id))
      .limit(1);
    if (!org) throw new AppError('not_found', 'organization not found');
    if (generation === this.settingsGeneration && ttl > 0) {
      this.settingsCache.set(id, { at: performance.now(), value: org });
      while (this.settingsCache.size > SETTINGS_CACHE_MAX) {
        const oldest = this.settingsCache.keys().next().value;
        if (oldest === undefined) break;
        this.settingsCache.delete(oldest);
      }
    }
    return org;
  }

  /** Drops what this process keeps about the organization (after a change is committed). */
  private forget(id: string): void {
    this.settingsGeneration++;
    this.settingsCache.delete(id);
    // This process forgets at once; the broadcast to the others needs no waiting for (a language change).
    void Promise.resolve(this.deps.principals?.forgetOrganization(id)).catch(() => undefined);
  }

  async listIds(): Promise<string[]> {
    const rows = await this.deps.db
      .select({ id: organizations.id })
      .from(organizations)
      .orderBy(organizations.id);
    return rows.map((r) => r.id);
  }

  async update(organizationId: string, actorId: string, patch: OrganizationPatch): Promise<Organization> {
    const errors = [];
    if (patch.timezone !== undefined && !isValidTimeZone(patch.timezone)) {
      errors.push({ field: 'body.timezone', message: 'must be an IANA time zone, e.g. America/Toronto' });
    }
    if (patch.currency !== undefined && !isKnownCurrency(patch.currency)) {
      errors.push({ field: 'body.currency', message: 'must be an ISO 4217 currency code, e.g. CAD' });
    }
    if (errors.length) throw validation(`${errors[0]!.field} ${errors[0]!.message}`, errors);
    const updated = await this.deps.db.transaction(async (tx) => {
      if (patch.billingContactUserId && !(await isPersonOf(tx, organizationId, patch.billingContactUserId))) {
        throw validation('body.billingContactUserId is not a user of this organization', [
          { field: 'body.billingContactUserId', message: 'is not a user of this organization' },
        ]);
      }
      if (patch.currency !== undefined) await this.checkCurrencyChange(tx, organizationId, patch.currency);
      const [org] = await tx
        .update(organizations)
        .set(patch)
        .where(eq(organizations.id, organizationId))
        .returning();
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'organization.updated',
        subjectType: 'organization',
        subjectId: organizationId,
        details: { ...patch },
      });
      return org!;
    });
    this.forget(organizationId);
    return updated;
  }

  /**
   * MS4: the currency is fixed once the organization holds any money document or payment method: amounts
   * recorded in one currency would otherwise be charged and reported in another (and a charge recorded
   * after the gateway moved money could fail on the mismatch). The organization row is locked first.
   */
  private async checkCurrencyChange(tx: Db, organizationId: string, currency: string) {
    const [row] = await rows<{ currency: string; used: boolean }>(
      tx,
      sql`select o.currency,
                 exists (select 1 from documents d where d.organization_id = o.id)
                 or exists (select 1 from payment_methods p where p.organization_id = o.id) as used
            from organizations o where o.id = ${organizationId} for update of o`,
    );
    if (!row || row.currency === currency || !row.used) return;
    throw conflict(
      `The currency stays ${row.currency}: this organization already holds invoices, payments or payment methods in it`,
      { code: 'currency_locked', currency: row.currency },
    );
  }

  async setLogo(organizationId: string, actorId: string, bytes: Buffer): Promise<Organization> {
    if (bytes.length === 0) throw validation('The logo is empty', [{ field: 'body', message: 'is empty' }]);
    if (bytes.length > MAX_LOGO_BYTES)
      throw new AppError('payload_too_large', 'The logo must be 1 MB or less');
    const mime = sniffImage(bytes);
    if (!mime) {
      throw new AppError('unsupported_media_type', 'The logo must be a PNG or JPEG image');
    }
    const updated = await this.deps.db.transaction(async (tx) => {
      const [org] = await tx
        .update(organizations)
        .set({ logo: bytes, logoMime: mime, logoUpdatedAt: this.deps.clock.now() })
        .where(eq(organizations.id, organizationId))
        .returning();
      await this.deps.audit.record(tx, {
        organizationId,
        actorId,
        action: 'organization.logo_updated',
        subjectType: 'organization',
        subjectId: organizationId,
        details: { bytes: bytes.length, mime },
      });
      return org!;
    });
    this.forget(organizationId);
    return updated;
  }

  async getLogo(organizationId: string): Promise<{ bytes: Buffer; mime: string } | null> {
    const [row] = await this.deps.db
      .select({ logo: organizations.logo, mime: organizations.logoMime })
      .from(organizations)
      .where(eq(organizations.id, organizationId))
      .limit(1);
    if (!row?.logo || !row.mime) return null;
    return { bytes: row.logo, mime: row.mime };
  }

  /** Public, cache-busted address of the logo for e-mails and the portal; null without a logo. */
  logoUrl(org: Pick<Organization, 'id' | 'logoUpdatedAt'>): string | null {
    if (!org.logoUpdatedAt) return null;
    return `${this.deps.publicUrl}/api/v1/organizations/${org.id}/logo?v=${org.logoUpdatedAt.getTime()}`;
  }
}

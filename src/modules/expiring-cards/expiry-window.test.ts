import { describe, expect, it } from 'vitest';
import { cardExpiryEmail } from './expiring-cards.email';
import { expiryKey, expiryWindow } from './expiry-window';

describe('expiryWindow (EC1)', () => {
  it('EC1: the month after the current one in the organization time zone', () => {
    expect(expiryWindow('America/Toronto', new Date('2026-10-15T12:00:00Z'))).toEqual({
      today: '2026-10-15',
      expYear: 2026,
      expMonth: 11,
      expiryKey: '2026-11',
      firstDayAfterExpiry: '2026-12-01',
    });
  });

  it('EC1: 23:30 on 31 January in Toronto is January although UTC is 1 February', () => {
    const w = expiryWindow('America/Toronto', new Date('2026-02-01T04:30:00Z'));
    expect([w.today, w.expiryKey, w.firstDayAfterExpiry]).toEqual(['2026-01-31', '2026-02', '2026-03-01']);
    expect(expiryWindow('UTC', new Date('2026-02-01T04:30:00Z')).expiryKey).toBe('2026-03');
  });

  it('EC1: December → January of the next year; November → December → after it January', () => {
    expect(expiryWindow('America/Toronto', new Date('2026-12-31T12:00:00Z'))).toMatchObject({
      expYear: 2027,
      expMonth: 1,
      firstDayAfterExpiry: '2027-02-01',
    });
    expect(expiryWindow('America/Toronto', new Date('2026-11-10T12:00:00Z'))).toMatchObject({
      expiryKey: '2026-12',
      firstDayAfterExpiry: '2027-01-01',
    });
  });

  it('EC1: February, in a leap year, is at risk from 1 March', () => {
    expect(expiryWindow('America/Toronto', new Date('2028-01-31T12:00:00Z')).firstDayAfterExpiry).toBe(
      '2028-03-01',
    );
  });

  it('expiryKey pads the month', () => {
    expect(expiryKey(2027, 3)).toBe('2027-03');
  });
});

describe('cardExpiryEmail (EC4)', () => {
  const base = {
    organization: {
      name: 'Club <Nautique>',
      logoUrl: 'https://x.test/logo.png',
      contactEmail: 'info@club.ca',
    },
    ownerName: 'Zoé',
    brand: 'amex',
    last4: '0005',
    expMonth: 3,
    expYear: 2027,
    upcomingCount: 2,
    nextDate: '2027-02-15',
    nextAmount: 123456n,
    currency: 'CAD',
    updateCardUrl: 'https://x.test/portal/update-card?token=a.b',
  };

  it('EC4: French, with the logo, the card, the link and the contact address (HTML escaped)', () => {
    const mail = cardExpiryEmail({ ...base, locale: 'fr-CA' });
    expect(mail.subject).toBe('Votre carte American Express •••• 0005 expire bientôt');
    expect(mail.html).toContain('src="https://x.test/logo.png"');
    expect(mail.html).toContain('Club &lt;Nautique&gt;');
    expect(mail.html).toContain('href="https://x.test/portal/update-card?token=a.b"');
    expect(mail.text).toContain('mars 2027');
    expect(mail.text).toContain('2 paiements à venir');
    expect(mail.text).toContain('15 février 2027');
    expect(mail.text).toMatch(/1\s234,56\s\$/);
    expect(mail.text).toContain('info@club.ca');
  });

  it('EC4: English, singular', () => {
    const mail = cardExpiryEmail({ ...base, locale: 'en-CA', upcomingCount: 1 });
    expect(mail.subject).toBe('Your card American Express •••• 0005 expires soon');
    expect(mail.text).toContain('pays 1 upcoming payment.');
    expect(mail.text).toContain('$1,234.56');
    expect(mail.text).toContain('February 15, 2027');
    expect(mail.text).toContain('Update my card: https://x.test/portal/update-card?token=a.b');
  });
});

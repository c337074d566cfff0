import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import type { LedgerDocument } from './api';
import { documentName, gatewayReference, readableDescription, readableReference } from './documentOptions';

const t = ((key: string, options?: Record<string, string>) =>
  options ? `${key}(${Object.values(options).join('|')})` : key) as unknown as TFunction;
const document = (fields: Partial<LedgerDocument>) =>
  ({
    kind: 'invoice',
    amount: 6_400,
    date: '2026-12-01',
    reference: null,
    description: null,
    ...fields,
  }) as LedgerDocument;

describe('documents named as people read them (issue 16: never an ID as the only label)', () => {
  it('names an invoice by the number people gave it', () => {
    const invoice = document({ reference: 'INV-2026-041' });
    expect(readableReference(invoice)).toBe('INV-2026-041');
    expect(documentName(invoice, t, 'CAD', 'en-CA')).toBe('documentKind.invoice INV-2026-041');
  });

  it("names a subscription's invoice, whose reference is its scheduled payment's ID, by kind, date and amount", () => {
    const invoice = document({ reference: 'sp_01m8skzby7jd7j4w2wq3mp01vz', description: 'Swimming lessons' });
    expect(readableReference(invoice)).toBeNull();
    expect(gatewayReference(invoice)).toBeNull();
    expect(readableDescription(invoice)).toBe('Swimming lessons');
    expect(documentName(invoice, t, 'CAD', 'en-CA')).toBe(
      'accountFile.unreferenced(documentKind.invoice|Dec 1, 2026|$64.00)',
    );
  });

  it("keeps a card payment's gateway reference for looking it up, but does not name the payment by it", () => {
    for (const reference of ['ch_01m8skzby7jd7j4w2wq3mp01vz', 'pi_3MmlLrLkdIwHu7ix0snN0B15']) {
      const payment = document({ kind: 'payment', reference });
      expect(readableReference(payment)).toBeNull();
      expect(gatewayReference(payment)).toBe(reference);
      expect(documentName(payment, t, 'CAD', 'en-CA')).not.toContain(reference);
    }
  });

  it('says nothing of a description that only names a record by its ID', () => {
    expect(
      readableDescription(document({ description: 'Subscription sub_01m8skzby7jd7j4w2wq3mp01vz' })),
    ).toBeNull();
    expect(readableDescription(document({ description: 'Cours annulé' }))).toBe('Cours annulé');
  });
});

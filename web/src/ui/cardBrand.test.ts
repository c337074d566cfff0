import { describe, expect, it } from 'vitest';
import { cardBrandName } from './cardBrand';

describe('card brand names', () => {
  it('writes each network as its owner does, whatever case the gateway used', () => {
    expect(['visa', 'mastercard', 'amex', 'VISA', 'jcb', 'unionpay'].map(cardBrandName)).toEqual([
      'Visa',
      'Mastercard',
      'American Express',
      'Visa',
      'JCB',
      'UnionPay',
    ]);
    expect(cardBrandName('cartebancaire')).toBe('Cartebancaire');
    expect(cardBrandName(null)).toBe('');
  });
});

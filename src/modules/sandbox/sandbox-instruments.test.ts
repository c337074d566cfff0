import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors';
import {
  abaChecksumValid,
  cardBrand,
  isCardExpired,
  luhnValid,
  parseRoutingNumber,
  parseSandboxToken,
  sandboxReturnCode,
  TEST_CARDS,
  tokenizeBankAccount,
  tokenizeCard,
} from './sandbox-instruments';

const now = new Date('2026-03-10T15:00:00Z');
const opts = { now, timeZone: 'America/Toronto' };
const card = (over: Partial<{ number: string; expMonth: number; expYear: number; cvc: string }> = {}) => ({
  number: '4242424242424242',
  expMonth: 12,
  expYear: 2030,
  cvc: '123',
  ...over,
});
const bank = (over: Partial<{ routingNumber: string; accountNumber: string; holderName: string }> = {}) => ({
  routingNumber: '110000000',
  accountNumber: '000123456789',
  holderName: 'Marie Tremblay',
  ...over,
});

/** Appends the Luhn check digit. */
function withCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + d)) return partial + d;
  throw new Error('unreachable');
}

function fieldErrors(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).kind).toBe('validation');
    expect((err as AppError).status).toBe(400);
    return (err as AppError).errors ?? [];
  }
  throw new Error('expected a validation error');
}

describe('Luhn', () => {
  it.each(['4242424242424242', '378282246310005', '6011111111111117', '79927398713', '0'])(
    '%s is valid',
    (n) => {
      expect(luhnValid(n)).toBe(true);
    },
  );
  it.each(['4242424242424241', '4242424242424243', '79927398710', '12a4', ''])('%s is not', (n) => {
    expect(luhnValid(n)).toBe(false);
  });
  it('catches every single-digit typo in a test card', () => {
    const n = '4242424242424242';
    for (let i = 0; i < n.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const typo = n.slice(0, i) + d + n.slice(i + 1);
        if (typo !== n) expect(luhnValid(typo), typo).toBe(false);
      }
    }
  });
});

describe('card brands', () => {
  it.each([
    ['4242424242424242', 'visa'],
    ['4000056655665556', 'visa'],
    ['4111111111111', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['5105105105105100', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['2221000000000009', 'mastercard'],
    ['2720990000000007', 'mastercard'],
    ['378282246310005', 'amex'],
    ['371449635398431', 'amex'],
    ['6011111111111117', 'discover'],
    ['6445644564456445', 'discover'],
    ['6500000000000002', 'discover'],
    ['3566002020360505', 'jcb'],
    ['3530111333300000', 'jcb'],
    ['3056930009020004', 'diners'],
    ['36227206271667', 'diners'],
    ['6200000000000005', 'unionpay'],
    ['8171999927660000', 'unionpay'],
    ['2720990000000007', 'mastercard'],
    ['2721000000000000', 'unknown'],
    ['2220000000000000', 'unknown'],
    ['9999999999999995', 'unknown'],
    ['1234567812345670', 'unknown'],
  ])('%s is %s', (number, brand) => {
    expect(cardBrand(number)).toBe(brand);
  });
  it('ignores spaces and dashes', () => {
    expect(cardBrand('4242 4242 4242 4242')).toBe('visa');
    expect(cardBrand('3782-822463-10005')).toBe('amex');
  });
});

describe('tokenizeCard', () => {
  describe('happy', () => {
    it.each(Object.entries(TEST_CARDS))(
      'saves the test card %s (outcome %s at charge time)',
      (number, outcome) => {
        const t = tokenizeCard(card({ number }), opts);
        expect(t).toMatchObject({ brand: 'visa', last4: number.slice(-4), expMonth: 12, expYear: 2030 });
        expect(t.token.startsWith(`sbx_card_${outcome}_`)).toBe(true);
        expect(parseSandboxToken(t.token)).toEqual({
          kind: 'card',
          outcome: outcome === 'ok' ? 'succeed' : outcome,
        });
      },
    );

    it('maps the SPEC test cards to their outcomes', () => {
      const outcome = (n: string) => parseSandboxToken(tokenizeCard(card({ number: n }), opts).token);
      expect(outcome('4242424242424242')).toEqual({ kind: 'card', outcome: 'succeed' });
      expect(outcome('4000000000000002')).toEqual({ kind: 'card', outcome: 'card_declined' });
      expect(outcome('4000000000009995')).toEqual({ kind: 'card', outcome: 'insufficient_funds' });
      expect(outcome('4000000000000069')).toEqual({ kind: 'card', outcome: 'expired_card' });
      expect(outcome('4000000000000119')).toEqual({ kind: 'card', outcome: 'processing_error' });
      expect(outcome('4000000000009987')).toEqual({ kind: 'card', outcome: 'lost_card' });
      expect(outcome('4000000000009979')).toEqual({ kind: 'card', outcome: 'stolen_card' });
    });

    it('lets any other Luhn-valid number succeed, whatever its brand', () => {
      for (const number of ['5555555555554444', '2223003122003222', '6011111111111117', '3566002020360505']) {
        expect(parseSandboxToken(tokenizeCard(card({ number }), opts).token)).toEqual({
          kind: 'card',
          outcome: 'succeed',
        });
      }
      const unknown = withCheckDigit('999999999999999');
      expect(tokenizeCard(card({ number: unknown }), opts).brand).toBe('unknown');
    });

    it('takes a 4-digit CVC for amex and accepts spaces in the number', () => {
      const t = tokenizeCard(card({ number: '3782 822463 10005', cvc: '1234' }), opts);
      expect(t).toMatchObject({ brand: 'amex', last4: '0005' });
    });

    it('reads a two-digit year as 20YY', () => {
      expect(tokenizeCard(card({ expYear: 31 }), opts).expYear).toBe(2031);
    });

    it('never keeps the number or the CVC: the token is random and reveals neither', () => {
      const a = tokenizeCard(card({ cvc: '987' }), opts);
      const b = tokenizeCard(card({ cvc: '987' }), opts);
      expect(a.token).not.toBe(b.token);
      for (const t of [a, b]) {
        const json = JSON.stringify(t);
        expect(json).not.toContain('4242424242424242');
        expect(json).not.toContain('424242424242');
        expect(json).not.toContain('987');
        expect(Object.keys(t).sort()).toEqual(['brand', 'expMonth', 'expYear', 'last4', 'token']);
      }
      expect(a.token).toMatch(/^sbx_card_ok_[0-9a-z]{20}$/);
    });
  });

  describe('errors', () => {
    it('refuses a number that fails Luhn with a field error on number', () => {
      expect(fieldErrors(() => tokenizeCard(card({ number: '4242424242424241' }), opts))).toEqual([
        { field: 'number', message: expect.stringMatching(/not valid/) },
      ]);
    });

    it.each(['', '4242-4242-4242-424x', 'abcd', '4242424242424242424242', '42424242'])(
      'refuses the number "%s"',
      (number) => {
        expect(fieldErrors(() => tokenizeCard(card({ number }), opts)).map((e) => e.field)).toEqual([
          'number',
        ]);
      },
    );

    it('refuses a known brand with the wrong length even when Luhn passes', () => {
      const amex16 = withCheckDigit('371449635398431');
      expect(luhnValid(amex16)).toBe(true);
      expect(fieldErrors(() => tokenizeCard(card({ number: amex16, cvc: '1234' }), opts))[0]?.field).toBe(
        'number',
      );
    });

    it.each([0, 13, -1, 1.5, Number.NaN])('refuses the month %s', (expMonth) => {
      expect(fieldErrors(() => tokenizeCard(card({ expMonth }), opts)).map((e) => e.field)).toEqual([
        'expMonth',
      ]);
    });

    it.each([2025, 1999, 2077, 2026.5])('refuses the year %s', (expYear) => {
      expect(fieldErrors(() => tokenizeCard(card({ expYear }), opts)).map((e) => e.field)).toEqual([
        'expYear',
      ]);
    });

    it('refuses a card that expired last month, accepts one that expires this month', () => {
      expect(fieldErrors(() => tokenizeCard(card({ expMonth: 2, expYear: 2026 }), opts))).toEqual([
        { field: 'expMonth', message: 'The card has expired.' },
      ]);
      expect(tokenizeCard(card({ expMonth: 3, expYear: 2026 }), opts).expMonth).toBe(3);
    });

    it.each([
      ['4242424242424242', '12'],
      ['4242424242424242', '1234'],
      ['4242424242424242', 'abc'],
      ['378282246310005', '123'],
      ['378282246310005', '12345'],
    ])('refuses for %s the CVC %s', (number, cvc) => {
      expect(fieldErrors(() => tokenizeCard(card({ number, cvc }), opts)).map((e) => e.field)).toEqual([
        'cvc',
      ]);
    });

    it('reports every field at once', () => {
      const errors = fieldErrors(() =>
        tokenizeCard({ number: '1234', expMonth: 14, expYear: 2020, cvc: 'x' }, opts),
      );
      expect(errors.map((e) => e.field)).toEqual(['number', 'expMonth', 'expYear', 'cvc']);
      expect(JSON.stringify(errors)).not.toContain('1234');
    });
  });

  describe('expiry at the end of the month, in the organization’s time zone', () => {
    // 2026-03-31 23:30 in Toronto (EDT, UTC−4) is already 2026-04-01 03:30 UTC.
    const lateMarch31 = new Date('2026-04-01T03:30:00Z');

    it('a card expiring 03/2026 still works on March 31 at 23:30 in Toronto', () => {
      expect(isCardExpired(3, 2026, lateMarch31, 'America/Toronto')).toBe(false);
      expect(
        tokenizeCard(card({ expMonth: 3, expYear: 2026 }), { now: lateMarch31, timeZone: 'America/Toronto' }),
      ).toBeTruthy();
    });

    it('the same instant is already April in UTC, so the card has expired there', () => {
      expect(isCardExpired(3, 2026, lateMarch31, 'UTC')).toBe(true);
      expect(
        fieldErrors(() =>
          tokenizeCard(card({ expMonth: 3, expYear: 2026 }), { now: lateMarch31, timeZone: 'UTC' }),
        ),
      ).toEqual([{ field: 'expMonth', message: 'The card has expired.' }]);
    });

    it('at midnight on April 1 in Toronto the card has expired', () => {
      expect(isCardExpired(3, 2026, new Date('2026-04-01T04:00:00Z'), 'America/Toronto')).toBe(true);
      expect(isCardExpired(3, 2026, new Date('2026-04-01T03:59:59.999Z'), 'America/Toronto')).toBe(false);
    });

    it('a card expiring 12/2025 works until the new year in Vancouver', () => {
      expect(isCardExpired(12, 2025, new Date('2026-01-01T07:59:00Z'), 'America/Vancouver')).toBe(false);
      expect(isCardExpired(12, 2025, new Date('2026-01-01T08:00:00Z'), 'America/Vancouver')).toBe(true);
    });
  });
});

describe('routing numbers', () => {
  it.each(['110000000', '021000021', '011000015', '026009593', '111000025', '322271627'])(
    'accepts the US ABA number %s',
    (n) => {
      expect(abaChecksumValid(n)).toBe(true);
      expect(parseRoutingNumber(n)).toEqual({ country: 'US', routingNumber: n, bankName: null });
    },
  );

  it.each(['021000022', '110000001', '123456789', '026009594'])('refuses %s (bad 3-7-1 checksum)', (n) => {
    expect(abaChecksumValid(n)).toBe(false);
    expect(parseRoutingNumber(n)).toBeNull();
  });

  it('refuses a 9-digit number whose checksum passes but whose prefix is no Federal Reserve symbol', () => {
    // 3·(5+0+0) + 7·(0+0+0) + (0+0+5) = 20
    expect(abaChecksumValid('500000005')).toBe(true);
    expect(parseRoutingNumber('500000005')).toBeNull();
  });

  it('accepts the Canadian paper form transit-institution', () => {
    const expected = {
      country: 'CA',
      routingNumber: '000312345',
      institution: '003',
      transit: '12345',
      bankName: 'RBC',
    };
    expect(parseRoutingNumber('12345-003')).toEqual(expected);
    expect(parseRoutingNumber('12345 003')).toEqual(expected);
    expect(parseRoutingNumber('12345003')).toEqual(expected);
    expect(parseRoutingNumber('00011-815')?.bankName).toBe('Desjardins');
    expect(parseRoutingNumber('00011-999')).toMatchObject({ country: 'CA', bankName: null });
  });

  it('accepts the Canadian electronic form 0 + institution + transit only for Canadian accounts', () => {
    expect(parseRoutingNumber('081512345')).toBeNull(); // not a valid ABA number
    expect(parseRoutingNumber('081512345', { country: 'CA' })).toEqual({
      country: 'CA',
      routingNumber: '081512345',
      institution: '815',
      transit: '12345',
      bankName: 'Desjardins',
    });
  });

  it.each(['', '1234567', '1234567890', '12345-0030', 'abcdefghi', '00000-000', '12345-000', '00000-003'])(
    'refuses "%s"',
    (n) => {
      expect(parseRoutingNumber(n)).toBeNull();
      expect(parseRoutingNumber(n, { country: 'CA' })).toBeNull();
    },
  );
});

describe('tokenizeBankAccount', () => {
  it('tokenizes a valid account that settles', () => {
    const t = tokenizeBankAccount(bank());
    expect(t).toMatchObject({
      last4: '6789',
      bankName: null,
      holderName: 'Marie Tremblay',
      returnCode: null,
    });
    expect(t.token).toMatch(/^sbx_bank_ok_[0-9a-z]{20}$/);
    expect(parseSandboxToken(t.token)).toEqual({ kind: 'bank', returnCode: null });
    expect(JSON.stringify(t)).not.toContain('000123456789');
  });

  it('tokenizes a Canadian account', () => {
    const t = tokenizeBankAccount(bank({ routingNumber: '00011-815', accountNumber: '1234567' }));
    expect(t).toMatchObject({ routingCountry: 'CA', bankName: 'Desjardins', last4: '4567' });
  });

  it.each(Array.from({ length: 33 }, (_, i) => String(i + 1).padStart(2, '0')))(
    'account 9990%s comes back returned with R%s',
    (nn) => {
      const t = tokenizeBankAccount(bank({ accountNumber: `9990${nn}` }));
      expect(t.returnCode).toBe(`R${nn}`);
      expect(t.token.startsWith(`sbx_bank_R${nn}_`)).toBe(true);
      expect(parseSandboxToken(t.token)).toEqual({ kind: 'bank', returnCode: `R${nn}` });
    },
  );

  it.each(['999000', '999034', '999099', '9990011', '19990 01', '1234'])(
    'account %s settles',
    (accountNumber) => {
      expect(tokenizeBankAccount(bank({ accountNumber })).returnCode).toBeNull();
    },
  );

  it('reads the return code only from the whole account number', () => {
    expect(sandboxReturnCode('999001')).toBe('R01');
    expect(sandboxReturnCode('1999001')).toBeNull();
    expect(sandboxReturnCode('99900')).toBeNull();
  });

  it.each(['123', '123456789012345678', 'abcd', '12.34', ''])(
    'refuses the account number "%s"',
    (accountNumber) => {
      expect(fieldErrors(() => tokenizeBankAccount(bank({ accountNumber }))).map((e) => e.field)).toEqual([
        'accountNumber',
      ]);
    },
  );

  it('accepts 4 and 17 digits', () => {
    expect(tokenizeBankAccount(bank({ accountNumber: '1234' })).last4).toBe('1234');
    expect(tokenizeBankAccount(bank({ accountNumber: '12345678901234567' })).last4).toBe('4567');
  });

  it('refuses a bad routing number and a missing holder, all at once', () => {
    expect(
      fieldErrors(() =>
        tokenizeBankAccount({ routingNumber: '021000022', accountNumber: '12', holderName: ' ' }),
      ).map((e) => e.field),
    ).toEqual(['routingNumber', 'accountNumber', 'holderName']);
  });
});

describe('parseSandboxToken', () => {
  it.each(['tok_123', 'sbx_card_nope_abc', 'sbx_bank_R99_abc', 'sbx_bank_R01_', 'sbx_card_ok_ABC', ''])(
    'does not recognise %s',
    (token) => {
      expect(parseSandboxToken(token)).toBeNull();
    },
  );
  it('reads decline codes that contain underscores', () => {
    expect(parseSandboxToken('sbx_card_card_declined_0123456789abcdefghjk')).toEqual({
      kind: 'card',
      outcome: 'card_declined',
    });
  });
});

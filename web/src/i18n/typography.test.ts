import { describe, expect, it } from 'vitest';
import { frCA } from './fr-CA';

const NBSP = '\u00a0';
const NNBSP = '\u202f';

function strings(node: unknown, path: string[] = []): Array<[string, string]> {
  if (typeof node === 'string') return [[path.join('.'), node]];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
    strings(value, [...path, key]),
  );
}

/**
 * French typography (OQLF): a non-breaking space before the colon and the closing guillemet, after the
 * opening one, and a narrow non-breaking space before ; ! ? — so the sign never starts a line by itself.
 * Web addresses (://) and clock times (07:00) are not punctuation.
 */
function typographyErrors(text: string): string[] {
  const plain = text
    .replace(/\{\{[^}]*\}\}/g, 'x')
    .replace(/:\/\//g, '')
    .replace(/\d:\d/g, '');
  const errors: string[] = [];
  for (const [index, char] of [...plain].entries()) {
    const before = plain[index - 1];
    if (char === ':' || char === '»') {
      if (before !== NBSP && before !== NNBSP) errors.push(`no non-breaking space before “${char}”`);
    } else if (char === ';' || char === '!' || char === '?') {
      if (before !== NNBSP && before !== NBSP) errors.push(`no non-breaking space before “${char}”`);
    } else if (char === '«') {
      if (plain[index + 1] !== NBSP) errors.push('no non-breaking space after “«”');
    }
  }
  return errors;
}

describe('fr-CA typography', () => {
  it('puts a non-breaking space before every colon and double punctuation mark', () => {
    const wrong = strings(frCA).flatMap(([key, text]) =>
      typographyErrors(text).map((error) => `${key}: ${error} in ${JSON.stringify(text)}`),
    );
    expect(wrong).toEqual([]);
  });

  it('recognises the mistakes it looks for', () => {
    expect(typographyErrors('Raison : x')).toHaveLength(1);
    expect(typographyErrors('Merci!')).toHaveLength(1);
    expect(typographyErrors(`Raison${NBSP}: x, merci${NNBSP}! À 07:00, https://x.ca`)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { REDACTED, redact, urlSecrets } from '../../shared/support/redact.js';

const KEY = 'R0UT1NGKEY0123456789abcdef012345';

describe('redact', () => {
  it('replaces a secret however a peer spells it: as is, another case, URL-encoded once or twice', () => {
    // Arrange
    const spellings = [
      KEY,
      KEY.toLowerCase(),
      KEY.toUpperCase(),
      encodeURIComponent(KEY),
      // Every character percent-encoded, with lower-case hex, and encoded twice.
      [...KEY].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
      encodeURIComponent(encodeURIComponent(`${KEY}/`)).replace('%252F', ''),
    ];
    // Act
    const out = spellings.map((s) => redact(`before ${s} after`, [KEY]));
    // Assert
    expect(out).toEqual(spellings.map(() => `before ${REDACTED} after`));
  });

  it('matches the URL-encoded forms of special characters, + for a space included', () => {
    // Arrange
    const secret = 'pa ss/wörd&=?#';
    const text = `a=${encodeURIComponent(secret)} b=${encodeURIComponent(secret).replace(/%20/g, '+')} c=${encodeURIComponent(secret).toLowerCase()}`;
    // Act
    const out = redact(text, [secret]);
    // Assert
    expect(out).toBe(`a=${REDACTED} b=${REDACTED} c=${REDACTED}`);
  });

  it('treats a secret literally (no regular-expression meaning) and leaves other text alone', () => {
    expect(redact('x a.b*c+d(e)|f x aXbbcdd x', ['a.b*c+d(e)|f'])).toBe(`x ${REDACTED} x aXbbcdd x`);
  });

  it('ignores secrets shorter than 8 characters and missing ones', () => {
    expect(redact('token abc and 1234567', ['abc', '1234567', undefined, ''])).toBe('token abc and 1234567');
  });

  it('redacts a whole URL before its parts, so no fragment of it is left', () => {
    // Arrange
    const url = 'https://hooks.example.com/services/T000/B000/XXXXSECRETXXXX?token=Q1W2E3R4T5';
    // Act
    const out = redact(
      `POST ${url} failed; token=${encodeURIComponent('Q1W2E3R4T5')}; /B000/xxxxsecretxxxx`,
      urlSecrets(url),
    );
    // Assert
    expect(out).toBe(`POST ${REDACTED} failed; ${REDACTED}; /B000/${REDACTED}`);
  });
});

describe('urlSecrets', () => {
  it('lists the URL, its path and query, path segments, query values and credentials', () => {
    expect(urlSecrets('https://user:p%40ss@hooks.example.com/a/Tok3n?x=1&token=abc%20def')).toEqual(
      expect.arrayContaining([
        'https://user:p%40ss@hooks.example.com/a/Tok3n?x=1&token=abc%20def',
        '/a/Tok3n?x=1&token=abc%20def',
        'Tok3n',
        'abc def',
        'user',
        'p@ss',
      ]),
    );
  });

  it('keeps an unparsable URL whole', () => {
    expect(urlSecrets('not a url /secret')).toEqual(['not a url /secret']);
  });
});

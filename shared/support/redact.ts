// Redaction: the one way to take secrets (webhook URLs, routing keys, signing secrets) out of a text before it is
// logged, stored in the ledger or shown in a report. Peers echo what they were sent in their own spelling, so a
// secret is matched in any letter case and in URL-encoded form (`%2F` or `%2f`, `+` for a space, encoded twice).

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Secrets shorter than this are not looked for: they would match ordinary words. */
const MIN_SECRET_LENGTH = 8;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One character as a pattern: itself, or its UTF-8 bytes percent-encoded (once or twice), or `+` for a space. */
const charPattern = (ch: string): string => {
  const encoded = [...Buffer.from(ch, 'utf8')].map((b) => `%(?:25)?${b.toString(16).padStart(2, '0')}`).join('');
  return `(?:${escapeRegExp(ch)}|${encoded}${ch === ' ' ? '|\\+' : ''})`;
};

const patternFor = (secret: string): RegExp => new RegExp([...secret].map(charPattern).join(''), 'gi');

/**
 * `text` with every occurrence of each secret (any case, raw or URL-encoded) replaced by `[redacted]`. Longer secrets
 * go first, so a URL is redacted whole before its token is looked for; secrets under 8 characters are ignored.
 */
export const redact = (text: string, secrets: Iterable<string | undefined>): string => {
  const list = [...new Set([...secrets].filter((s): s is string => typeof s === 'string'))]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return list.reduce((out, secret) => out.replace(patternFor(secret), REDACTED), text);
};

/**
 * The parts of a URL that may be a secret on their own: the whole URL, its path and query, every path segment and
 * query value (Slack's `/services/T…/B…/<token>`, `?token=…`), and credentials. An unparsable URL is kept whole.
 */
export const urlSecrets = (raw: string): string[] => {
  if (!URL.canParse(raw)) return [raw];
  const url = new URL(raw);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      // A malformed escape is matched as written.
      return s;
    }
  };
  return [
    raw,
    url.href,
    `${url.pathname}${url.search}`,
    url.search.slice(1),
    ...url.pathname.split('/').map(decode),
    ...[...url.searchParams.values()],
    decode(url.username),
    decode(url.password),
  ];
};

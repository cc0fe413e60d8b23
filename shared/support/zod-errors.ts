import * as z from 'zod/mini';

/** Renders a zod issue path the way users write it: `groups.orders-api.primary.region`, `Records[0].Sns`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>, root = ''): string => {
  let out = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
};

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/**
 * zod/mini ships no message locale (its default text is "Invalid input"), so the issues our schemas do not word
 * themselves are worded here: what was expected, and what was found.
 */
const messageOf = (issue: z.core.$ZodIssue): string => {
  switch (issue.code) {
    case 'invalid_type':
      // A schema's own wording (`is required (the ledger table name)`) says more than the generic one.
      if (issue.message !== 'Invalid input') return issue.message;
      return issue.input === undefined
        ? `is required (expected ${issue.expected})`
        : `expected ${issue.expected}, got ${describe(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_key':
      return issue.issues[0]?.message ?? `invalid key ${describe(issue.input)}`;
    case 'invalid_value':
      return issue.message !== 'Invalid input'
        ? issue.message
        : `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describe(issue.input)}`;
    case 'too_small':
      return issue.message !== 'Invalid input'
        ? issue.message
        : `expected at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return issue.message !== 'Invalid input'
        ? issue.message
        : `expected at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`;
    default:
      return issue.message;
  }
};

/** One clause per issue: `path: message`, joined with `; `. */
export const formatIssues = (error: z.core.$ZodError, root = ''): string =>
  error.issues.map((i) => `${formatPath(i.path, root)}: ${messageOf(i)}`).join('; ');

/** Parses or throws `ErrorClass` whose message names each failing field; the ZodError is kept as `cause`. */
export const parseOrThrow = <S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  ErrorClass: new (message: string, options?: ErrorOptions) => Error,
  root = '',
): z.output<S> => {
  // reportInput: issues carry the offending value, so messages can say what was found.
  const result = z.safeParse(schema, input, { reportInput: true });
  if (!result.success) throw new ErrorClass(formatIssues(result.error, root), { cause: result.error });
  return result.data;
};

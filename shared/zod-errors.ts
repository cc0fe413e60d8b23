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

const messageOf = (issue: z.core.$ZodIssue): string => {
  // zod's default for a missing key reads "expected string, received undefined": say "is required" instead.
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `is required (expected ${issue.expected})`;
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return issue.message;
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
  const result = z.safeParse(schema, input);
  if (!result.success) throw new ErrorClass(formatIssues(result.error, root), { cause: result.error });
  return result.data;
};

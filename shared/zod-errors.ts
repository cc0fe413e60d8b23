import type { z } from 'zod';

/** Renders a zod issue path the way users write it: `groups.orders-api.primary.region`, `Records[0].Sns`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>, root = ''): string => {
  let out = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
};

/** One line per issue: `path: message`. */
export const formatIssues = (error: z.ZodError, root = ''): string =>
  error.issues.map((i) => `${formatPath(i.path, root)}: ${i.message}`).join('; ');

/** Parses or throws `ErrorClass` whose message names each failing field; the ZodError is kept as `cause`. */
export const parseOrThrow = <S extends z.ZodType>(
  schema: S,
  input: unknown,
  ErrorClass: new (message: string, options?: ErrorOptions) => Error,
  root = '',
): z.infer<S> => {
  const result = schema.safeParse(input);
  if (!result.success) throw new ErrorClass(formatIssues(result.error, root), { cause: result.error });
  return result.data;
};

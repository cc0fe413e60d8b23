/** A plain JSON object: not null, not an array. */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value the way error messages quote what they found: its JSON, or `nothing` when it is absent. */
export const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** Text shaping shared by messages, reports and logs: one way to shorten a string and one way to say a duration. */

/** `s` at most `max` characters; a shortened string ends with `…` (counted in `max`) so the cut is visible. */
export const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`);

/**
 * `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`: a duration as on-call reads it; `–` for none. Under an hour seconds
 * are kept (precision `min` drops them once past a minute); from two days on, days and hours.
 */
export const formatDuration = (seconds: number | null, precision: 's' | 'min' = 's'): string => {
  if (seconds === null) return '–';
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (precision !== 'min' && s < 3600 && s % 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = precision === 'min' ? Math.round(s / 60) : Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
};

/** `2025-06-12 14:00:00Z`: an ISO 8601 UTC time as reports print it (milliseconds dropped). */
export const utcShort = (isoTime: string): string => isoTime.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');

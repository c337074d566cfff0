/**
 * Reads a typed business date: `YYYY-MM-DD` (also with `/` or `.`, and one-digit month or day), checked
 * against the calendar (2026-02-30 is not a date). Answers the canonical `YYYY-MM-DD`, or null.
 */
export function parseIsoDate(text: string): string | null {
  const m = /^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$/.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${m[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

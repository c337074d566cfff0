import type { ActionCenterCharts } from './api';

/** Reasons drawn one bar each; the others are summed into one "Other reasons" bar. */
const TOP_REASONS = 5;
export const OTHER = '__other__';
// About two lines of the chart's 180 px axis at 11 px: recharts wraps a tick label to the axis width.
const LABEL_CHARACTERS = 44;

/** Shortens a reason message for an axis label, at a word boundary where one is close, with an ellipsis. */
export function truncateLabel(text: string, max = LABEL_CHARACTERS): string {
  const clean = text.trim().replace(/\s+/g, ' ').replace(/[.]$/, '');
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space >= max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:–-]+$/, '')}…`;
}

type ReasonEntry = ActionCenterCharts['failedByReason'][number];

/** The largest reasons by amount, one bar each, and the rest summed into one bar (when there is a rest). */
export function topReasons(
  entries: ReasonEntry[],
  top = TOP_REASONS,
): { bars: Array<{ code: string; amount: number; color?: string }>; others: ReasonEntry[] } {
  const sorted = [...entries].sort((a, b) => b.amount - a.amount || a.code.localeCompare(b.code));
  // Six bars fit as well as five plus "Other reasons" for a single one.
  const shown = sorted.length <= top + 1 ? sorted : sorted.slice(0, top);
  const others = sorted.slice(shown.length);
  const bars: Array<{ code: string; amount: number; color?: string }> = shown.map((entry) => ({
    code: entry.code,
    amount: entry.amount,
  }));
  if (others.length > 0) {
    bars.push({
      code: OTHER,
      amount: others.reduce((sum, entry) => sum + entry.amount, 0),
      color: 'gray.6',
    });
  }
  return { bars, others };
}

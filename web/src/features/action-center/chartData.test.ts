import { describe, expect, it } from 'vitest';
import { OTHER, topReasons } from './chartData';

const reason = (code: string, amount: number) => ({ code, message: code, amount, count: 1 });

describe('topReasons', () => {
  it('keeps the five largest amounts and sums the rest into one "other reasons" bar', () => {
    const entries = [10, 70, 20, 60, 30, 50, 40].map((amount, index) => reason(`r${index}`, amount));
    const { bars, others } = topReasons(entries);
    expect(bars.map((bar) => bar.amount)).toEqual([70, 60, 50, 40, 30, 30]);
    expect(bars.at(-1)?.code).toBe(OTHER);
    expect(others.map((entry) => entry.code).sort()).toEqual(['r0', 'r2']);
  });

  it('draws a sixth reason itself rather than an "other reasons" bar of one', () => {
    const entries = [1, 2, 3, 4, 5, 6].map((amount) => reason(`r${amount}`, amount));
    const { bars, others } = topReasons(entries);
    expect(bars).toHaveLength(6);
    expect(bars.some((bar) => bar.code === OTHER)).toBe(false);
    expect(others).toEqual([]);
  });
});

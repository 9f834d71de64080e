import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.ts';

describe('bench stats', () => {
  it('takes nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 95)).toBe(95);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes', () => {
    const s = summarize([3, 1, 2]);
    expect(s).toMatchObject({ count: 3, min: 1, max: 3, mean: 2, p50: 2 });
  });
});

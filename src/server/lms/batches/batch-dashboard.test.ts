import { describe, expect, it } from 'vitest';
import { expectedProgress, isBehind } from './batch-dashboard.service.ts';

describe('who is behind', () => {
  const batch = { start_date: '2026-03-01', end_date: '2026-03-10' };
  it('expects the share of the batch days gone by', () => {
    expect(expectedProgress(batch, '2026-02-20')).toBe(0);
    expect(expectedProgress(batch, '2026-03-01')).toBe(0);
    expect(expectedProgress(batch, '2026-03-06')).toBe(50);
    expect(expectedProgress(batch, '2026-03-11')).toBe(100);
  });
  it('is behind more than 10 points below the expected average; never without courses', () => {
    expect(isBehind([30, 50], 50)).toBe(false);
    expect(isBehind([20, 30], 50)).toBe(true);
    expect(isBehind([null, 60], 50)).toBe(true);
    expect(isBehind([], 100)).toBe(false);
  });
});

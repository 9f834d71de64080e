import { describe, expect, it } from 'vitest';
import { isoWeekday, slotStarts, zonedInstant } from './slots.ts';

describe('evaluation slot times', () => {
  it('turns a local date and time into the instant, across daylight saving', () => {
    // Berlin: CET (+01:00) before 28 March 2027, CEST (+02:00) after.
    expect(zonedInstant('2027-03-26', '09:00', 'Europe/Berlin').toISOString()).toBe('2027-03-26T08:00:00.000Z');
    expect(zonedInstant('2027-03-29', '09:00', 'Europe/Berlin').toISOString()).toBe('2027-03-29T07:00:00.000Z');
    expect(zonedInstant('2027-03-28', '03:30', 'Europe/Berlin').toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(zonedInstant('2026-12-07', '09:00', 'Asia/Kolkata').toISOString()).toBe('2026-12-07T03:30:00.000Z');
    expect(zonedInstant('2026-12-07', '09:00', 'America/New_York').toISOString()).toBe('2026-12-07T14:00:00.000Z');
  });

  it('offers the steps of the windows on their weekday only', () => {
    expect(isoWeekday('2026-12-07')).toBe(1);
    expect(isoWeekday('2026-12-13')).toBe(7);
    const windows = [
      { weekday: 1, start: '09:00', end: '10:15' },
      { weekday: 1, start: '14:00', end: '14:30' },
      { weekday: 2, start: '09:00', end: '10:00' },
    ];
    expect(slotStarts(windows, '2026-12-07', 30)).toEqual(['09:00', '09:30', '14:00']);
    expect(slotStarts(windows, '2026-12-09', 30)).toEqual([]);
  });
});

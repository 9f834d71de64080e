import { expect, it } from 'vitest';
import { isoDateProblem } from './evaluation-dates.ts';

it('names a date not written YYYY-MM-DD and shows the form expected with the date it most likely means', () => {
  expect(isoDateProblem('2026-12-24')).toBeNull();
  expect(isoDateProblem(' 2028-02-29 ')).toBeNull();
  expect(isoDateProblem('24/12/2026')).toBe('24/12/2026 is not a date written as YYYY-MM-DD, e.g. 2026-12-24');
  expect(isoDateProblem('24.12.2026')).toBe('24.12.2026 is not a date written as YYYY-MM-DD, e.g. 2026-12-24');
  expect(isoDateProblem('12/24/2026')).toBe('12/24/2026 is not a date written as YYYY-MM-DD, e.g. 2026-12-24');
  expect(isoDateProblem('5/1/2027')).toBe('5/1/2027 is not a date written as YYYY-MM-DD, e.g. 2027-01-05');
  expect(isoDateProblem('2026/12/24')).toBe('2026/12/24 is not a date written as YYYY-MM-DD, e.g. 2026-12-24');
  expect(isoDateProblem('2026-1-5')).toBe('2026-1-5 is not a date written as YYYY-MM-DD, e.g. 2026-01-05');
  expect(isoDateProblem('Christmas')).toBe('Christmas is not a date written as YYYY-MM-DD, e.g. 2026-12-24');
  expect(isoDateProblem('31/02/2026')).toBe('31/02/2026 is not a date written as YYYY-MM-DD, e.g. 2026-12-24');
  expect(isoDateProblem('2027-02-29')).toBe('2027-02-29 is not a day of the calendar (dates are written as YYYY-MM-DD, e.g. 2026-12-24)');
  expect(isoDateProblem(20261224)).toBe('Write the date as YYYY-MM-DD, e.g. 2026-12-24');
});

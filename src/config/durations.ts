/**
 * The seed writes durations as `"7_years"`, `"10_minutes"`, `"30_seconds"` and
 * availability as `"99.9%"` (§4.2). The schema checks the shape; these turn
 * them into numbers and back (for `qms init`).
 */

const SECONDS: Record<string, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
};

/** Days in a year/month, rounded up later so a retention period never loses a day. */
const DAYS_PER_YEAR = 365.25;

function split(text: string): { amount: number; unit: string } {
  const m = /^([1-9][0-9]*)_([a-z]+?)s?$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return { amount: Number(m[1]), unit: m[2]! };
}

/** `"7_years"` -> 2557 (7 × 365.25, rounded up); `"90_days"` -> 90; `"2_weeks"` -> 14. */
export function parsePeriodDays(text: string): number {
  const { amount, unit } = split(text);
  switch (unit) {
    case 'day':
      return amount;
    case 'week':
      return amount * 7;
    case 'month':
      return Math.ceil((amount * DAYS_PER_YEAR) / 12);
    case 'year':
      return Math.ceil(amount * DAYS_PER_YEAR);
    default:
      throw new Error(`not a period of days: ${text}`);
  }
}

/** `"10_minutes"` -> 600; `"30_seconds"` -> 30; `"2_hours"` -> 7200. */
export function parseDurationSeconds(text: string): number {
  const { amount, unit } = split(text);
  const factor = SECONDS[unit];
  if (factor === undefined) throw new Error(`not a duration in seconds, minutes or hours: ${text}`);
  return amount * factor;
}

/** `"99.9%"` -> 99.9. */
export function parsePercent(text: string): number {
  return Number(text.replace(/%$/, ''));
}

function plural(amount: number, unit: string): string {
  return `${amount}_${unit}${amount === 1 ? '' : 's'}`;
}

/** 2557 -> `"7_years"` (when it is a whole number of years as parsePeriodDays counts them), else `"N_days"`. */
export function formatPeriodDays(days: number): string {
  const years = Math.round(days / DAYS_PER_YEAR);
  if (years >= 1 && Math.ceil(years * DAYS_PER_YEAR) === days) return plural(years, 'year');
  if (days % 7 === 0 && days >= 7) return plural(days / 7, 'week');
  return plural(days, 'day');
}

/** 600 -> `"10_minutes"`, 30 -> `"30_seconds"`, 7200 -> `"2_hours"`. */
export function formatDurationSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

/** 99.9 -> `"99.9%"`. */
export function formatPercent(value: number): string {
  return `${value}%`;
}

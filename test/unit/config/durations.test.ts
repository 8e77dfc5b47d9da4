import { describe, expect, it } from 'vitest';
import {
  formatDurationSeconds,
  formatPeriodDays,
  parseDurationSeconds,
  parsePercent,
  parsePeriodDays,
} from '../../../src/config/durations.js';

describe('durations', () => {
  it('periods in days, rounded up', () => {
    expect(parsePeriodDays('7_years')).toBe(2557);
    expect(parsePeriodDays('1_year')).toBe(366);
    expect(parsePeriodDays('90_days')).toBe(90);
    expect(parsePeriodDays('2_weeks')).toBe(14);
    expect(parsePeriodDays('6_months')).toBe(183);
  });
  it('durations in seconds', () => {
    expect(parseDurationSeconds('10_minutes')).toBe(600);
    expect(parseDurationSeconds('30_seconds')).toBe(30);
    expect(parseDurationSeconds('1_hour')).toBe(3600);
    expect(() => parseDurationSeconds('2_days')).toThrow();
    expect(parsePercent('99.9%')).toBe(99.9);
  });
  it('format is the inverse of parse', () => {
    for (const text of ['7_years', '1_year', '10_years', '90_days', '2_weeks', '1_day'])
      expect(formatPeriodDays(parsePeriodDays(text))).toBe(text);
    for (const text of ['10_minutes', '30_seconds', '2_hours', '1_minute', '90_seconds'])
      expect(formatDurationSeconds(parseDurationSeconds(text))).toBe(text);
    for (let days = 1; days < 4000; days += 37) expect(parsePeriodDays(formatPeriodDays(days))).toBe(days);
  });
});

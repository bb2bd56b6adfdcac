import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { handleFailure, quotaText } from './failure';

describe('handleFailure', () => {
  it('a 401 signs in again and shows nothing', () => {
    const show = vi.fn();
    const signIn = vi.fn();
    handleFailure(new ApiError(401, 'unauthorized', 'Sign in'), show, signIn);
    expect(signIn).toHaveBeenCalledOnce();
    expect(show).not.toHaveBeenCalled();
  });

  it('any other API error is shown as it is', () => {
    const show = vi.fn();
    const signIn = vi.fn();
    const error = new ApiError(409, 'conflict', 'Busy');
    handleFailure(error, show, signIn);
    expect(show).toHaveBeenCalledWith(error);
    expect(signIn).not.toHaveBeenCalled();
  });

  it('anything else thrown is shown as a network error', () => {
    const show = vi.fn();
    handleFailure(new SyntaxError('Unexpected token'), show, vi.fn());
    const shown = show.mock.calls[0][0] as ApiError;
    expect(shown).toBeInstanceOf(ApiError);
    expect(shown.kind).toBe('network');
  });
});

describe('quotaText', () => {
  const at = (iso: string, seconds: number) => ({ seconds, at: Date.parse(iso) });

  it("the daily budget: the reset in the reader's time zone, today or tomorrow", () => {
    // 22:30 UTC, 90 minutes to midnight UTC.
    const retry = at('2026-11-30T00:00:00Z', 5400);
    expect(quotaText(retry, { locale: 'en-GB', timeZone: 'UTC' })).toBe(
      'You have reached your daily usage limit. You can send messages again tomorrow at 00:00 (midnight UTC).',
    );
    // 23:30 in Berlin (UTC+1): midnight UTC is 01:00 tomorrow.
    expect(quotaText(retry, { locale: 'en-GB', timeZone: 'Europe/Berlin' })).toMatch(
      /again tomorrow at 01:00 \(midnight UTC\)\.$/,
    );
    // 17:30 in New York (UTC-5): midnight UTC is 19:00 today.
    expect(quotaText(retry, { locale: 'en-GB', timeZone: 'America/New_York' })).toMatch(
      /again today at 19:00 \(midnight UTC\)\.$/,
    );
  });

  it('a short wait (too many answers at once) counts the seconds', () => {
    expect(quotaText(at('2026-11-30T10:00:05Z', 5), { locale: 'en-GB', timeZone: 'UTC' })).toBe(
      'You have reached your usage limit. Try again in 5 seconds.',
    );
    expect(quotaText(at('2026-11-30T10:00:00Z', 0), { locale: 'en-GB', timeZone: 'UTC' })).toMatch(
      /in 1 second\.$/,
    );
  });

  it('without Retry-After it says to try later', () => {
    expect(quotaText(null)).toBe('You have reached your usage limit. Please try again later.');
  });
});

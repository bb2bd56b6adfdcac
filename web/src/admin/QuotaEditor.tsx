// A user's quota overrides: a daily token budget and a limit of answers
// written at once. Empty = the server's default (PARLEY_QUOTA_*), sent as null.
import { useState } from 'react';
import type { Quota } from './adminApi';
import { formatNumber } from './format';
import { Time } from './Time';

// An override, or "default" with the value in force when the server says it.
function limit(override: number | null, effective: number | undefined): string {
  const value = (n: number) => (n === 0 ? 'unlimited' : formatNumber(n));
  if (override !== null) return value(override);
  return effective === undefined ? 'default' : `default (${value(effective)})`;
}

// '' -> null; a whole number >= 0 -> the number; anything else -> undefined.
export function parseLimit(text: string): number | null | undefined {
  const t = text.trim().replace(/[\s_,]/g, '');
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

const shown = (n: number | null) => (n === null ? '' : String(n));

export function QuotaEditor({
  quota,
  onSave,
}: {
  quota: Quota;
  onSave: (q: Quota) => Promise<boolean>;
}) {
  const [daily, setDaily] = useState(shown(quota.daily_tokens));
  const [streams, setStreams] = useState(shown(quota.concurrent_streams));
  const [saving, setSaving] = useState(false);
  const dailyValue = parseLimit(daily);
  const streamsValue = parseLimit(streams);
  const valid = dailyValue !== undefined && streamsValue !== undefined;
  const changed =
    valid && (dailyValue !== quota.daily_tokens || streamsValue !== quota.concurrent_streams);

  return (
    <form
      className="quota"
      aria-label="Quota"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid || !changed || saving) return;
        setSaving(true);
        void onSave({ daily_tokens: dailyValue, concurrent_streams: streamsValue }).finally(() =>
          setSaving(false),
        );
      }}
    >
      <p className="muted" data-testid="quota-now">
        Now: {limit(quota.daily_tokens, quota.effective_daily_tokens)} tokens a day (UTC),{' '}
        {limit(quota.concurrent_streams, quota.effective_concurrent_streams)} answers at once.
        {quota.tokens_used_today !== undefined && (
          <>
            {' '}
            Used today: {formatNumber(quota.tokens_used_today)} tokens
            {quota.resets_at && (
              <>
                , counted afresh <Time at={quota.resets_at} />
              </>
            )}
            .
          </>
        )}{' '}
        Leave a field empty for the default.
      </p>
      <label>
        Daily tokens
        <input
          inputMode="numeric"
          value={daily}
          placeholder="Default"
          aria-invalid={dailyValue === undefined}
          aria-describedby="quota-daily-error"
          onChange={(e) => setDaily(e.target.value)}
        />
      </label>
      <span id="quota-daily-error" className="error-text">
        {dailyValue === undefined ? 'A whole number of tokens, or empty.' : ''}
      </span>
      <label>
        Answers at once
        <input
          inputMode="numeric"
          value={streams}
          placeholder="Default"
          aria-invalid={streamsValue === undefined}
          aria-describedby="quota-streams-error"
          onChange={(e) => setStreams(e.target.value)}
        />
      </label>
      <span id="quota-streams-error" className="error-text">
        {streamsValue === undefined ? 'A whole number, or empty.' : ''}
      </span>
      <div>
        <button type="submit" className="primary" disabled={!changed || saving}>
          {saving ? 'Saving…' : 'Save quota'}
        </button>
      </div>
    </form>
  );
}

// The admin JSON API of DESIGN.md ("Administration, usage and quotas"):
// paths, query parameters and fields exactly as the contract names them.
// Calls go through api.ts (CSRF token on unsafe methods, ApiError).
import { apiCall, apiJson } from '../api';

export interface AdminUser {
  id: string;
  name: string;
  email: string;
  tenant_id: string;
  object_id: string;
  roles: string[];
  created_at: string;
  last_login_at: string | null;
  disabled_at: string | null;
}
export interface UserPage {
  items: AdminUser[];
  next_cursor: string | null;
}
export interface SignIn {
  at: string;
  result: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
}
export interface UserSession {
  id: string;
  created_at: string;
  last_seen_at: string | null;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}
export interface UsageTotals {
  prompt_tokens: number;
  completion_tokens: number;
  messages: number;
}
// A user's overrides; null = the server's default (PARLEY_QUOTA_*). The
// contract fixes only these two; a server may add the limits in force (0
// tokens = unlimited) and today's use, which the page then shows.
export interface Quota {
  daily_tokens: number | null;
  concurrent_streams: number | null;
  effective_daily_tokens?: number;
  effective_concurrent_streams?: number;
  tokens_used_today?: number;
  resets_at?: string;
}
export interface UserDetail extends AdminUser {
  sign_ins: SignIn[];
  sessions: UserSession[];
  usage: { today: UsageTotals; last_30_days: UsageTotals };
  quota: Quota;
}

export type GroupBy = 'day' | 'user' | 'model' | 'app';
export interface UsageRow extends UsageTotals {
  key: string;
}
export interface UsageQuery {
  from: string; // YYYY-MM-DD (UTC day)
  to: string;
  group_by: GroupBy;
}

export interface AuditEvent {
  seq: number | string; // a bigint: a string if the server keeps it exact
  at: string;
  type: string;
  actor: string | null;
  subject: string | null;
  ip: string | null;
  detail: unknown;
  hash: string;
}
export interface AuditPage {
  items: AuditEvent[];
  next_cursor: string | null;
}
export interface AuditFilter {
  type?: string;
  actor?: string;
  subject?: string;
  from?: string;
  to?: string;
}

export type UserStatus = 'active' | 'disabled';
export interface UserFilter {
  q?: string;
  status?: UserStatus;
}

// `?a=1&b=2` from the parameters that have a value, in the given order.
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

const user = (id: string) => '/api/admin/users/' + encodeURIComponent(id);

export function listUsers(
  filter: UserFilter,
  cursor: string | null,
  limit = 50,
): Promise<UserPage> {
  return apiJson('GET', '/api/admin/users' + query({ ...filter, cursor, limit }));
}
export function getUser(id: string): Promise<UserDetail> {
  return apiJson('GET', user(id));
}
export function disableUser(id: string): Promise<AdminUser> {
  return apiJson('POST', user(id) + '/disable', {});
}
export function enableUser(id: string): Promise<AdminUser> {
  return apiJson('POST', user(id) + '/enable', {});
}
// "Sign out everywhere": ends every session of the user (204).
export function endSessions(id: string): Promise<void> {
  return apiCall('DELETE', user(id) + '/sessions');
}
export async function setQuota(id: string, quota: Quota): Promise<Quota> {
  const body = await apiJson<unknown>('PUT', user(id) + '/quota', quota);
  // The contract says 200 and not what the body holds: keep what was set
  // unless the answer is a quota.
  return isQuota(body) ? body : quota;
}
// Deletes the user's conversations and messages (the audit keeps that it happened).
export function deleteUserData(id: string): Promise<void> {
  return apiCall('DELETE', user(id) + '/data');
}

export function usagePath(q: UsageQuery, format?: 'csv'): string {
  return '/api/admin/usage' + query({ from: q.from, to: q.to, group_by: q.group_by, format });
}
export async function getUsage(q: UsageQuery): Promise<UsageRow[]> {
  return (await apiJson<{ rows: UsageRow[] }>('GET', usagePath(q))).rows;
}

// The server's walk of the whole chain (GET /api/admin/audit/verify, the
// admin-audit branch's addition to DESIGN.md's paths; `parley audit verify`
// over HTTP). 409 while another verification runs on that server.
export interface ChainReport {
  intact: boolean;
  count: number;
  head: { seq: number; hash: string } | null;
  // reason: missing, out_of_order or hash_mismatch (others are shown as given).
  broken: { seq: number; reason: string } | null;
}
export function verifyAudit(): Promise<ChainReport> {
  return apiJson('GET', '/api/admin/audit/verify');
}

export function listAudit(filter: AuditFilter, cursor: string | null): Promise<AuditPage> {
  return apiJson('GET', '/api/admin/audit' + query({ cursor, ...filter }));
}

function isQuota(v: unknown): v is Quota {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const ok = (x: unknown) => x === null || typeof x === 'number';
  return (
    'daily_tokens' in o &&
    'concurrent_streams' in o &&
    ok(o.daily_tokens) &&
    ok(o.concurrent_streams)
  );
}

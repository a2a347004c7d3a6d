// api: the dashboard's calls to the daemon's HTTP API (`/api/*`, same origin). They go through
// apiFetch, which sends the signed-in token as `Authorization: Bearer` (with auth on, the daemon
// answers 401 without it) and forgets a token the daemon refuses.

import { apiFetch } from './authToken.js';

/** The recent insights from `GET /api/insights?seconds=S&limit=N`; resolves to an array. */
export async function fetchInsights({ seconds, limit } = {}, opts = {}) {
  const q = new URLSearchParams();
  if (seconds != null) q.set('seconds', String(seconds));
  if (limit != null) q.set('limit', String(limit));
  const qs = q.toString();
  const reply = await apiFetch(`/api/insights${qs ? `?${qs}` : ''}`, opts);
  return Array.isArray(reply?.insights) ? reply.insights : [];
}

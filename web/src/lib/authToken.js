// authToken: where the dashboard keeps its access token (sessionStorage: for as long as the tab
// is open, never sent anywhere but to its own server) and how it is sent on HTTP API calls.

export const TOKEN_KEY = 'pulse.token';

function storage() {
  try {
    return globalThis.sessionStorage || null;
  } catch {
    return null; // storage disabled (privacy mode): the token lives in memory only
  }
}

let memoryToken = null;

/** The stored token, or null. */
export function readToken() {
  try {
    return storage()?.getItem(TOKEN_KEY) || memoryToken;
  } catch {
    return memoryToken;
  }
}

/** Stores the token (null forgets it). */
export function writeToken(token) {
  memoryToken = token || null;
  try {
    const s = storage();
    if (token) s?.setItem(TOKEN_KEY, token);
    else s?.removeItem(TOKEN_KEY);
  } catch {
    /* memory only */
  }
}

/** Headers for an /api call: Authorization: Bearer when a token is stored. */
export function authHeaders(token = readToken()) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** An error for a refused token, with the server's error object. */
export class AuthError extends Error {
  constructor(body) {
    super(body?.message || 'unauthorized');
    this.code = body?.code || 'unauthorized';
    this.body = body;
  }
}

/**
 * GETs an /api path with the stored token and returns the JSON body. A 401 forgets the token,
 * calls onUnauthorized(message) and throws an AuthError; other errors throw with the status.
 */
export async function apiFetch(path, { fetchImpl = globalThis.fetch, onUnauthorized } = {}) {
  const res = await fetchImpl(path, { headers: { Accept: 'application/json', ...authHeaders() } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status === 401) {
    writeToken(null);
    const err = new AuthError(body);
    onUnauthorized?.(refusalMessage(err));
    throw err;
  }
  if (!res.ok) {
    const err = new Error(body?.message || `HTTP ${res.status}`);
    err.status = res.status;
    err.code = body?.code;
    throw err;
  }
  return body;
}

/** The sentence the sign-in prompt shows for a refused or expired token. */
export function refusalMessage(result) {
  const why = result?.message || '';
  if (/expired/i.test(why)) return 'Your token has expired. Sign in again with a new token.';
  if (result?.code === 'no_token') return '';
  return `The server refused this token${why ? ` (${why})` : ''}. Check it, or create a new one with "pulse token".`;
}

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchInsights } from './api.js';
import { AuthError } from './authToken.js';

const reply = (status, body) => ({ ok: status >= 200 && status < 300, status, json: async () => body });

beforeEach(() => sessionStorage.clear());

describe('fetchInsights', () => {
  it('sends the stored token as Authorization: Bearer and the range in the query', async () => {
    sessionStorage.setItem('pulse.token', 'abc.def.ghi');
    const fetchImpl = vi.fn(async () => reply(200, { type: 'insights', insights: [{ seq: 1, message: 'hot' }] }));
    const list = await fetchInsights({ seconds: 86400, limit: 100 }, { fetchImpl });
    expect(list).toEqual([{ seq: 1, message: 'hot' }]);
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('/api/insights?seconds=86400&limit=100');
    expect(init.headers.Authorization).toBe('Bearer abc.def.ghi');
  });

  it('sends no Authorization header without a token (open mode)', async () => {
    const fetchImpl = vi.fn(async () => reply(200, {}));
    await expect(fetchInsights({}, { fetchImpl })).resolves.toEqual([]);
    expect(fetchImpl.mock.calls[0][0]).toBe('/api/insights');
    expect(fetchImpl.mock.calls[0][1].headers.Authorization).toBeUndefined();
  });

  it('a 401 is an AuthError and forgets the refused token', async () => {
    sessionStorage.setItem('pulse.token', 'old');
    const onUnauthorized = vi.fn();
    const fetchImpl = async () => reply(401, { type: 'error', code: 'unauthorized', message: 'token expired' });
    const err = await fetchInsights({}, { fetchImpl, onUnauthorized }).catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.code).toBe('unauthorized');
    expect(sessionStorage.getItem('pulse.token')).toBeNull();
    expect(onUnauthorized).toHaveBeenCalledWith(expect.stringMatching(/expired/));
  });

  it('another HTTP error rejects with its status', async () => {
    const fetchImpl = async () => reply(404, { type: 'error', code: 'not_found', message: 'no route' });
    const err = await fetchInsights({}, { fetchImpl }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.code).toBe('not_found');
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiFetch, authHeaders, readToken, refusalMessage, writeToken, TOKEN_KEY } from './authToken.js';

const response = (status, body) => ({ status, ok: status >= 200 && status < 300, json: async () => body });

describe('authToken', () => {
  beforeEach(() => writeToken(null));

  it('keeps the token in sessionStorage', () => {
    expect(readToken()).toBe(null);
    writeToken('a.b.c');
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('a.b.c');
    expect(readToken()).toBe('a.b.c');
    writeToken(null);
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe(null);
  });

  it('sends the token as a Bearer header on API calls', async () => {
    writeToken('tok.en.x');
    expect(authHeaders()).toEqual({ Authorization: 'Bearer tok.en.x' });
    const fetchImpl = vi.fn(async () => response(200, { type: 'snapshot' }));
    expect(await apiFetch('/api/snapshot', { fetchImpl })).toEqual({ type: 'snapshot' });
    expect(fetchImpl.mock.calls[0][1].headers.Authorization).toBe('Bearer tok.en.x');
  });

  it('a 401 forgets the token and says why', async () => {
    writeToken('old.to.ken');
    const onUnauthorized = vi.fn();
    const fetchImpl = async () => response(401, { type: 'error', code: 'unauthorized', message: 'token expired' });
    await expect(apiFetch('/api/snapshot', { fetchImpl, onUnauthorized })).rejects.toMatchObject({ code: 'unauthorized' });
    expect(readToken()).toBe(null);
    expect(onUnauthorized).toHaveBeenCalledWith(expect.stringMatching(/expired/));
  });

  it('other errors keep the token', async () => {
    writeToken('x.y.z');
    const fetchImpl = async () => response(400, { code: 'unknown_metric', message: 'no such metric' });
    await expect(apiFetch('/api/history', { fetchImpl })).rejects.toMatchObject({ status: 400 });
    expect(readToken()).toBe('x.y.z');
  });

  it('explains refusals in plain words', () => {
    expect(refusalMessage({ message: 'token expired' })).toMatch(/expired/);
    expect(refusalMessage({ code: 'unauthorized', message: 'bad token signature' })).toMatch(/refused.*bad token signature/);
    expect(refusalMessage({ code: 'no_token' })).toBe('');
  });
});

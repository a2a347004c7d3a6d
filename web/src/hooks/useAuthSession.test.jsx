import { beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import { isExpiryNotice, useAuthSession } from './useAuthSession.js';
import { readToken, writeToken } from '../lib/authToken.js';

describe('useAuthSession', () => {
  beforeEach(() => writeToken(null));

  it('asks for a token when none is stored, and resolves with the one submitted', async () => {
    const { result } = renderHook(() => useAuthSession());
    let pending;
    act(() => {
      pending = result.current.getToken();
    });
    expect(result.current.auth.needed).toBe(true);
    act(() => result.current.submitToken('a.b.c'));
    await expect(pending).resolves.toBe('a.b.c');
    expect(readToken()).toBe('a.b.c');
    expect(result.current.auth.needed).toBe(false);
  });

  it('uses the stored token without asking', () => {
    writeToken('s.t.x');
    const { result } = renderHook(() => useAuthSession());
    expect(result.current.getToken()).toBe('s.t.x');
    expect(result.current.auth.needed).toBe(false);
  });

  it('knows who is signed in; a refusal forgets the token and asks again with a message', () => {
    const { result } = renderHook(() => useAuthSession());
    act(() => result.current.onAuth({ ok: true, user: 'alice', roles: ['admin'], expires: 5 }));
    expect(result.current.auth).toMatchObject({ user: 'alice', roles: ['admin'], needed: false });
    writeToken('bad.to.ken');
    act(() => result.current.onAuth({ ok: false, code: 'unauthorized', message: 'bad token signature' }));
    expect(readToken()).toBe(null);
    expect(result.current.auth.needed).toBe(true);
    expect(result.current.auth.user).toBe(null);
    expect(result.current.auth.error).toMatch(/bad token signature/);
  });

  it('an expiry notice (unauthorized without id) asks again and restarts the connection', () => {
    const restart = vi.fn();
    const { result } = renderHook(() => useAuthSession());
    act(() => result.current.bindRestart(restart));
    act(() => result.current.onAuth({ ok: true, user: 'bob', roles: [] }));
    writeToken('old.to.ken');
    const reply = { kind: 'server', code: 'unauthorized', frame: { type: 'error', code: 'unauthorized', id: 'r1' } };
    expect(isExpiryNotice(reply)).toBe(false);
    let handled;
    act(() => {
      handled = result.current.onError({ kind: 'server', code: 'unauthorized', message: 'token expired', frame: { type: 'error' } });
    });
    expect(handled).toBe(true);
    expect(restart).toHaveBeenCalledTimes(1);
    expect(readToken()).toBe(null);
    expect(result.current.auth.needed).toBe(true);
    expect(result.current.auth.error).toMatch(/expired/);
    expect(result.current.onError({ kind: 'closed', message: 'x' })).toBe(false);
    // The client's own drop after a refusal is no connection problem worth a notification.
    expect(result.current.onError({ kind: 'connect', code: 4001, message: 'Could not connect' })).toBe(true);
    expect(result.current.onError({ kind: 'closed', code: 1006, message: 'lost' })).toBe(false);
  });

  it('signs out', () => {
    const restart = vi.fn();
    writeToken('a.b.c');
    const { result } = renderHook(() => useAuthSession());
    act(() => result.current.bindRestart(restart));
    act(() => result.current.signOut());
    expect(readToken()).toBe(null);
    expect(result.current.auth.needed).toBe(true);
    expect(restart).toHaveBeenCalled();
  });
});

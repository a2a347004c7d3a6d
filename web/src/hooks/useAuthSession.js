// useAuthSession: the dashboard's sign-in state. It asks for a token when the server's welcome
// says auth_required, keeps it in sessionStorage, knows who is signed in, signs out, and asks
// again (with a clear message) when the server refuses the token or tells that it expired.

import { useCallback, useRef, useState } from 'react';
import { readToken, writeToken, refusalMessage } from '../lib/authToken.js';

/** The close code the client uses when it drops a connection over a refused or expired token. */
export const AUTH_CLOSE_CODE = 4001;

const SIGNED_OUT = { needed: false, error: null, user: null, roles: [], expires: null };

/** Whether a client error is the server telling an open connection its token expired. */
export function isExpiryNotice(err) {
  return (
    err?.kind === 'server' &&
    err.code === 'unauthorized' &&
    (err.frame?.id === undefined || err.frame?.id === null)
  );
}

export function useAuthSession() {
  const [auth, setAuth] = useState(SIGNED_OUT);
  const waiter = useRef(null);
  const restartRef = useRef(null);

  /** Given to the socket: the stored token, or a promise settled when the user submits one. */
  const getToken = useCallback(() => {
    const stored = readToken();
    if (stored) return stored;
    setAuth((a) => ({ ...a, needed: true, user: null }));
    return new Promise((resolve) => {
      waiter.current = resolve;
    });
  }, []);

  const submitToken = useCallback((token) => {
    writeToken(token);
    setAuth((a) => ({ ...a, needed: false, error: null }));
    const resolve = waiter.current;
    waiter.current = null;
    if (resolve) resolve(token);
    else restartRef.current?.(); // no connection is waiting: start one that uses the token
  }, []);

  /** The socket's 'auth' event: auth_ok, or a refusal. */
  const onAuth = useCallback((result) => {
    if (result.ok) {
      setAuth({ needed: false, error: null, user: result.user, roles: result.roles || [], expires: result.expires ?? null });
      return;
    }
    writeToken(null);
    setAuth({ ...SIGNED_OUT, needed: true, error: refusalMessage(result) || null });
  }, []);

  /** Call with every client error; returns true when it is auth's own business (an expiry
   * notice, or the close of a connection whose token was refused): not worth a notification. */
  const onError = useCallback((err) => {
    if (err?.code === AUTH_CLOSE_CODE && (err.kind === 'connect' || err.kind === 'closed')) return true;
    if (!isExpiryNotice(err)) return false;
    writeToken(null);
    setAuth({ ...SIGNED_OUT, needed: true, error: refusalMessage({ message: 'token expired' }) });
    restartRef.current?.();
    return true;
  }, []);

  const signOut = useCallback(() => {
    writeToken(null);
    setAuth({ ...SIGNED_OUT, needed: true });
    restartRef.current?.();
  }, []);

  /** `restart` drops the current connection so that the next one asks for a token again. */
  const bindRestart = useCallback((restart) => {
    restartRef.current = restart;
  }, []);

  return { auth, getToken, submitToken, onAuth, onError, signOut, bindRestart };
}

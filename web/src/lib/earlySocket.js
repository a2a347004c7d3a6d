// earlySocket: the page's first WebSocket, opened by main.jsx before React renders, so that the
// handshake and the welcome overlap the first render instead of following it. The client adopts
// it through `earlySocketClass` (its `WebSocket` option): the first socket it asks for at the
// same URL is the early one, with the events that came before the client listened replayed in
// order; any later socket (a reconnect) is a new one.

/** Wraps a socket and holds its events until the client has set its handlers. */
class HeldSocket {
  constructor(ws, held = []) {
    this.ws = ws;
    this.held = [...held];
    this.live = false;
    for (const type of ['open', 'message', 'close', 'error']) {
      ws[`on${type}`] = (ev) => (this.live ? this.fire(type, ev) : this.held.push([type, ev]));
    }
  }

  get readyState() {
    return this.ws.readyState;
  }

  send(data) {
    this.ws.send(data);
  }

  close(code, reason) {
    this.ws.close(code, reason);
  }

  fire(type, ev) {
    this[`on${type}`]?.(ev);
  }

  /** From now on events go straight to the handlers; the held ones first, in order. */
  release() {
    this.live = true;
    const held = this.held;
    this.held = [];
    for (const [type, ev] of held) this.fire(type, ev);
  }
}

/** Opens the early socket (null when there is no WebSocket or it cannot be opened). */
export function openEarlySocket(url, Native = globalThis.WebSocket) {
  if (!Native || !url) return null;
  try {
    return { url, socket: new HeldSocket(new Native(url)), Native };
  } catch {
    return null;
  }
}

/**
 * Adopts the socket of the first-paint script (boot/boot.js, `window.__pulseBoot`): the events
 * it held (open, welcome, …; not its own snapshot reply) are replayed first. Null without one.
 */
export function adoptBootSocket(boot, Native = globalThis.WebSocket) {
  if (!boot?.ws || !Native) return null;
  return { url: boot.url, socket: new HeldSocket(boot.ws, boot.held), Native };
}

/** A WebSocket class for the client: the early socket once (same URL), then native ones. */
export function earlySocketClass(early) {
  if (!early) return undefined;
  let pending = early.socket;
  return function PulseSocket(url) {
    if (pending && url === early.url) {
      const s = pending;
      pending = null;
      // The client sets its handlers right after construction: replay after that.
      queueMicrotask(() => s.release());
      return s;
    }
    return new early.Native(url);
  };
}

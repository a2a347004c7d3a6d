// PulseClient: the WebSocket client of the Pulse protocol v1 (SPEC section 4), written as a
// small state machine with no React in it, so it can be tested with a fake socket and fake
// timers.
//
//   connecting ──welcome(/auth_ok)──▶ open ──close/dead──▶ reconnecting ──timer──▶ (connect)
//        │                                                      │   ▲                  │
//        └──────────────── close ──────────────────────────────▶┘   └──── close ───────┘
//   any state ──stop() / network lost──▶ offline ──start() / network back──▶ connecting
//
// While reconnecting the state stays `reconnecting` (with `attempt` and `nextRetryAt`) until
// a connection is ready again; `connecting` is only the first try.

export const STATES = Object.freeze({
  CONNECTING: 'connecting',
  OPEN: 'open',
  RECONNECTING: 'reconnecting',
  OFFLINE: 'offline',
});

export const DEFAULTS = Object.freeze({
  backoffBaseMs: 500,
  // Capped at 1.5 s (full jitter: a try every 0..1.5 s) so the page is live again within 3 s
  // of the server coming back even on a busy machine; visibility and "online" skip the wait.
  backoffCapMs: 1500,
  maxAttempts: Infinity,
  queueLimit: 100,
  requestTimeoutMs: 10000,
  pingIntervalMs: 15000,
  pongTimeoutMs: 5000,
  welcomeTimeoutMs: 3000,
  heartbeatWhenHidden: false,
});

const WS_OPEN = 1;

/** Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))). */
export function backoffDelay(attempt, { baseMs = 500, capMs = 30000, random = Math.random } = {}) {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * exp);
}

export class RequestError extends Error {
  constructor(code, message, frame) {
    super(message || code);
    this.name = 'RequestError';
    this.code = code;
    this.frame = frame;
  }
}

export class PulseClient {
  /**
   * @param {object} opts
   * @param {string} opts.url WebSocket URL.
   * @param {Function} [opts.WebSocket] constructor (default globalThis.WebSocket).
   * @param {Function} [opts.getToken] async () => token|null, asked when welcome says auth_required.
   * @param {Function} [opts.random] () => [0,1), for jitter.
   * @param {{setTimeout:Function, clearTimeout:Function}} [opts.timers]
   * @param {Function} [opts.now] () => ms.
   */
  constructor(opts) {
    this.opts = { ...DEFAULTS, ...opts };
    this.url = opts.url;
    this.WebSocket = opts.WebSocket || globalThis.WebSocket;
    this.random = opts.random || Math.random;
    this.timers = opts.timers || {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (t) => globalThis.clearTimeout(t),
    };
    this.now = opts.now || (() => Date.now());
    this.getToken = opts.getToken || null;

    this.state = STATES.OFFLINE;
    this.attempt = 0;
    this.nextRetryAt = null;
    this.welcome = null;
    this.user = null;
    this.rtt = null;
    this.lastClose = null;

    this.ws = null;
    this.ready = false;
    this.visible = true;
    this.networkUp = true;
    this.stopped = true;

    this.subscriptions = new Set();
    this.queue = [];
    this.pending = new Map(); // id -> {resolve, reject, timer, type}
    this.nextId = 1;
    this.listeners = new Map();

    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.welcomeTimer = null;
  }

  // ---- events -----------------------------------------------------------------------------

  /** Listen to 'state', 'message', 'rtt', 'error', 'drop', 'auth'. Returns an unsubscribe fn. */
  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
    return () => this.listeners.get(event)?.delete(fn);
  }

  emit(event, payload) {
    for (const fn of this.listeners.get(event) || []) {
      try {
        fn(payload);
      } catch (err) {
        // A listener's bug must not break the socket loop.
        if (event !== 'error') this.emit('error', { kind: 'listener', message: String(err) });
      }
    }
  }

  snapshot() {
    return {
      state: this.state,
      attempt: this.attempt,
      nextRetryAt: this.nextRetryAt,
      rtt: this.rtt,
      welcome: this.welcome,
      user: this.user,
      queued: this.queue.length,
      lastClose: this.lastClose,
    };
  }

  setState(state, extra = {}) {
    this.state = state;
    Object.assign(this, extra);
    this.emit('state', this.snapshot());
  }

  // ---- lifecycle --------------------------------------------------------------------------

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    if (!this.networkUp) {
      this.setState(STATES.OFFLINE, { nextRetryAt: null });
      return;
    }
    this.connect();
  }

  /** Close for good (until start()): state offline, pending requests rejected. */
  stop() {
    this.stopped = true;
    this.clearTimer('retryTimer');
    this.teardownSocket(1000, 'client stop');
    this.rejectAllPending(new RequestError('offline', 'connection stopped'));
    this.setState(STATES.OFFLINE, { nextRetryAt: null });
  }

  /** Skip the backoff wait and try at once (e.g. a "Retry now" button). */
  reconnectNow() {
    if (this.state === STATES.OPEN) return;
    this.stopped = false;
    this.clearTimer('retryTimer');
    this.connect();
  }

  connect() {
    this.clearTimer('retryTimer');
    this.teardownSocket();
    this.nextRetryAt = null;
    const state = this.attempt > 0 ? STATES.RECONNECTING : STATES.CONNECTING;
    this.setState(state);
    let ws;
    try {
      ws = new this.WebSocket(this.url);
    } catch (err) {
      this.emit('error', { kind: 'connect', message: String(err?.message || err) });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.ready = false;
    ws.onopen = () => this.ws === ws && this.handleOpen();
    ws.onmessage = (ev) => this.ws === ws && this.handleMessage(ev.data);
    ws.onclose = (ev) => this.ws === ws && this.handleClose(ev);
    ws.onerror = () => {}; // 'close' always follows and carries the details
  }

  handleOpen() {
    // Older servers may not greet: go ahead without a welcome after a short wait.
    this.welcomeTimer = this.timers.setTimeout(() => {
      this.welcomeTimer = null;
      if (!this.ready) this.becomeReady();
    }, this.opts.welcomeTimeoutMs);
  }

  handleClose(ev = {}) {
    const wasReady = this.ready;
    this.teardownSocket();
    this.lastClose = { code: ev.code, reason: ev.reason || '', at: this.now() };
    this.emit('error', {
      kind: wasReady ? 'closed' : 'connect',
      code: ev.code,
      message: wasReady ? 'Lost the connection to the Pulse server. Trying again…' : 'Cannot reach the Pulse server. Trying again…',
    });
    if (this.stopped) return;
    if (!this.networkUp) {
      this.setState(STATES.OFFLINE, { nextRetryAt: null });
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    this.attempt += 1;
    if (this.attempt > this.opts.maxAttempts) {
      this.setState(STATES.OFFLINE, { nextRetryAt: null });
      return;
    }
    const delay = backoffDelay(this.attempt, {
      baseMs: this.opts.backoffBaseMs,
      capMs: this.opts.backoffCapMs,
      random: this.random,
    });
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.setState(STATES.RECONNECTING, { nextRetryAt: this.now() + delay, lastDelay: delay });
  }

  teardownSocket(code, reason) {
    this.clearTimer('welcomeTimer');
    this.stopHeartbeat();
    this.ready = false;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        if (ws.readyState <= WS_OPEN) ws.close(code ?? 4000, reason ?? 'client reconnect');
      } catch {
        /* already closing */
      }
    }
  }

  /** Browser online/offline events. */
  setNetworkAvailable(up) {
    this.networkUp = up;
    if (this.stopped) return;
    if (!up && this.state !== STATES.OPEN) {
      this.clearTimer('retryTimer');
      this.teardownSocket();
      this.setState(STATES.OFFLINE, { nextRetryAt: null });
    } else if (up && this.state === STATES.OFFLINE) {
      this.attempt = Math.max(this.attempt, 1);
      this.connect();
    }
  }

  /** Page visibility: heartbeats pause while hidden; back to visible checks liveness at once. */
  setVisible(visible) {
    if (this.visible === visible) return;
    this.visible = visible;
    if (visible && !this.stopped && this.state === STATES.RECONNECTING && this.retryTimer) {
      this.reconnectNow(); // back to the tab: try at once instead of waiting for the timer
      return;
    }
    if (!this.ready) return;
    if (visible) {
      this.stopHeartbeat();
      this.sendPing();
      this.startHeartbeat();
    } else if (!this.opts.heartbeatWhenHidden) {
      this.stopHeartbeat();
    }
  }

  // ---- incoming ---------------------------------------------------------------------------

  handleMessage(data) {
    let msg;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      this.emit('error', { kind: 'protocol', message: 'The server sent a message the page cannot read' });
      return;
    }
    if (!msg || typeof msg !== 'object') return;

    if (msg.type === 'welcome') {
      this.handleWelcome(msg);
      return;
    }
    if (msg.id !== undefined && msg.id !== null && this.pending.has(String(msg.id))) {
      const p = this.pending.get(String(msg.id));
      this.pending.delete(String(msg.id));
      this.timers.clearTimeout(p.timer);
      if (msg.type === 'error') p.reject(new RequestError(msg.code, msg.message, msg));
      else p.resolve(msg);
      if (p.internal) return; // auth and heartbeat replies are the client's own business
    } else if (msg.type === 'error') {
      this.emit('error', { kind: 'server', code: msg.code, message: msg.message, frame: msg });
    }
    this.emit('message', msg);
  }

  async handleWelcome(msg) {
    this.clearTimer('welcomeTimer');
    this.welcome = msg;
    if (!msg.auth_required) {
      this.becomeReady();
      return;
    }
    const ws = this.ws;
    let token = null;
    try {
      token = this.getToken ? await this.getToken() : null;
    } catch {
      token = null;
    }
    if (this.ws !== ws || !ws) return; // the socket went away while we were asking
    if (!token) {
      this.emit('auth', { ok: false, code: 'no_token', message: 'The server requires a token' });
      return;
    }
    try {
      const reply = await this.rawRequest({ type: 'auth', token }, { internal: true });
      if (this.ws !== ws) return;
      this.user = { user: reply.user, roles: reply.roles, expires: reply.expires };
      this.emit('auth', { ok: true, ...this.user });
      this.becomeReady();
    } catch (err) {
      if (this.ws !== ws) return;
      this.emit('auth', { ok: false, code: err.code, message: err.message });
      // Drop this connection: the next try asks for a token again.
      this.handleClose({ code: 4001, reason: 'unauthorized' });
    }
  }

  becomeReady() {
    if (this.ready || !this.ws) return;
    this.ready = true;
    this.attempt = 0;
    this.setState(STATES.OPEN, { nextRetryAt: null });
    for (const channel of this.subscriptions) this.write({ type: 'subscribe', channel });
    const queued = this.queue;
    this.queue = [];
    for (const item of queued) this.write(item.msg);
    this.startHeartbeat();
  }

  // ---- outgoing ---------------------------------------------------------------------------

  write(msg) {
    this.ws.send(JSON.stringify(msg));
  }

  /** Send now when ready, else queue (bounded; the oldest is dropped). */
  send(msg) {
    if (this.ready && this.ws && this.ws.readyState === WS_OPEN) {
      this.write(msg);
      return true;
    }
    this.queue.push({ msg });
    while (this.queue.length > this.opts.queueLimit) {
      const dropped = this.queue.shift();
      const id = dropped.msg.id;
      if (id !== undefined && this.pending.has(String(id))) {
        const p = this.pending.get(String(id));
        this.pending.delete(String(id));
        this.timers.clearTimeout(p.timer);
        p.reject(new RequestError('dropped', 'dropped from the offline queue'));
      }
      this.emit('drop', dropped.msg);
    }
    return false;
  }

  newId() {
    return `c${this.nextId++}`;
  }

  /** Send a message with a fresh id and resolve with the reply carrying that id. */
  request(msg, { timeoutMs } = {}) {
    return this.track({ ...msg, id: this.newId() }, { timeoutMs }, (m) => this.send(m));
  }

  rawRequest(msg, { timeoutMs, internal } = {}) {
    return this.track({ ...msg, id: this.newId() }, { timeoutMs, internal }, (m) => this.write(m));
  }

  track(msg, { timeoutMs, internal = false }, sendFn) {
    return new Promise((resolve, reject) => {
      const ms = timeoutMs ?? this.opts.requestTimeoutMs;
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(msg.id);
        const i = this.queue.findIndex((q) => q.msg.id === msg.id);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new RequestError('timeout', `no reply to ${msg.type} within ${ms} ms`));
      }, ms);
      this.pending.set(msg.id, { resolve, reject, timer, type: msg.type, internal });
      try {
        sendFn(msg);
      } catch (err) {
        this.timers.clearTimeout(timer);
        this.pending.delete(msg.id);
        reject(err);
      }
    });
  }

  rejectAllPending(err) {
    for (const [, p] of this.pending) {
      this.timers.clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.queue = [];
  }

  /** Subscriptions survive reconnects: they are sent again each time the socket is ready. */
  subscribe(channel) {
    if (this.subscriptions.has(channel)) return;
    this.subscriptions.add(channel);
    if (this.ready) this.write({ type: 'subscribe', channel, id: this.newId() });
  }

  unsubscribe(channel) {
    if (!this.subscriptions.delete(channel)) return;
    if (this.ready) this.write({ type: 'unsubscribe', channel, id: this.newId() });
  }

  // ---- heartbeat --------------------------------------------------------------------------

  /** A protocol ping; resolves with the round-trip time in ms. */
  async ping() {
    const sent = this.now();
    const reply = await this.request({ type: 'ping', ts: sent }, { timeoutMs: this.opts.pongTimeoutMs });
    const rtt = Math.max(0, this.now() - (typeof reply.ts === 'number' ? reply.ts : sent));
    this.rtt = rtt;
    this.emit('rtt', rtt);
    return rtt;
  }

  sendPing() {
    if (!this.ready) return;
    const ws = this.ws;
    const sent = this.now();
    this.clearTimer('pongTimer');
    this.rawRequest({ type: 'ping', ts: sent }, { timeoutMs: this.opts.pongTimeoutMs, internal: true })
      .then(() => {
        this.rtt = Math.max(0, this.now() - sent);
        this.emit('rtt', this.rtt);
        this.emit('state', this.snapshot());
      })
      .catch((err) => {
        if (this.ws !== ws || !ws) return;
        if (err.code === 'timeout') {
          // No pong in time: the connection is dead even if TCP has not noticed yet.
          this.emit('error', { kind: 'heartbeat', message: 'The Pulse server stopped answering. Reconnecting…' });
          this.handleClose({ code: 4002, reason: 'heartbeat timeout' });
        }
      });
  }

  startHeartbeat() {
    this.stopHeartbeat();
    if (!this.opts.pingIntervalMs) return;
    if (!this.visible && !this.opts.heartbeatWhenHidden) return;
    const tick = () => {
      this.pingTimer = this.timers.setTimeout(() => {
        this.sendPing();
        tick();
      }, this.opts.pingIntervalMs);
    };
    tick();
  }

  stopHeartbeat() {
    this.clearTimer('pingTimer');
    this.clearTimer('pongTimer');
  }

  clearTimer(name) {
    if (this[name] != null) {
      this.timers.clearTimeout(this[name]);
      this[name] = null;
    }
  }
}

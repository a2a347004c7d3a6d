// A WebSocket stand-in for tests: records what the client sends and lets the test drive
// open / message / close.

export function createFakeWebSocket() {
  const sockets = [];
  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;

    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closedWith = null;
      sockets.push(this);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      this.sent.push(JSON.parse(data));
    }

    close(code, reason) {
      this.closedWith = { code, reason };
      this.readyState = 3;
    }

    // ---- test side ----
    serverOpen() {
      this.readyState = 1;
      this.onopen?.({});
    }

    serverSend(obj) {
      this.onmessage?.({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) });
    }

    serverWelcome(extra = {}) {
      this.serverOpen();
      this.serverSend({
        type: 'welcome',
        protocol: 1,
        server: 'pulse/test',
        connection_id: 'c-1',
        heartbeat_ms: 25000,
        auth_required: false,
        ...extra,
      });
    }

    serverClose(code = 1006) {
      this.readyState = 3;
      this.onclose?.({ code, reason: '' });
    }

    sentOfType(type) {
      return this.sent.filter((m) => m.type === type);
    }
  }
  return { FakeWebSocket, sockets, last: () => sockets[sockets.length - 1] };
}

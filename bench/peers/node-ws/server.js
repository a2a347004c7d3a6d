'use strict';
// Reference server for pulse-bench: the subset of Pulse's protocol v1 that the benchmark uses
// (welcome, subscribe/unsubscribe, publish -> message fan-out, ping -> pong), on Node's http
// module and the `ws` package. Like Pulse, a publish is serialized once and the same bytes are
// sent to every subscriber. No auth, no rate limit.
//   node server.js [--host 127.0.0.1] [--port 0] [--tls CERT KEY] [--deflate]
// --tls serves https/wss (Node's https module); --deflate turns on ws's perMessageDeflate with
// its defaults (a compression context per connection) and a 256-byte threshold, like Pulse's.
const fs = require('fs');
const http = require('http');
const https = require('https');
const { WebSocketServer } = require('ws');

let host = '127.0.0.1';
let port = 8080;
let tls = null;
let deflate = false;
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--port') port = Number(process.argv[++i]);
  else if (a === '--host') host = process.argv[++i];
  else if (a === '--tls') {
    tls = { cert: fs.readFileSync(process.argv[++i]), key: fs.readFileSync(process.argv[++i]) };
  } else if (a === '--deflate') deflate = true;
  else {
    process.stderr.write(`unknown argument: ${a}\n`);
    process.exit(2);
  }
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('bad --port\n');
  process.exit(2);
}

const channels = new Map(); // name -> Set<ws>
let nextId = 1;

const handler = (req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  res.writeHead(404);
  res.end();
};
const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: deflate ? { threshold: 256 } : false,
  clientTracking: false,
});

server.on('upgrade', (req, socket, head) => {
  if (req.url.split('?')[0] !== '/ws') {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
});

function send(ws, obj) {
  ws.send(JSON.stringify(obj));
}

function onConnection(ws) {
  ws.id = `node-${nextId++}`;
  ws.subs = new Set();
  send(ws, {
    type: 'welcome', protocol: 1, server: 'node-ws', connection_id: ws.id,
    heartbeat_ms: 0, auth_required: false,
  });
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return send(ws, { type: 'error', code: 'unsupported', message: 'binary frame' });
    let msg;
    try {
      msg = JSON.parse(raw.toString());
    } catch {
      return send(ws, { type: 'error', code: 'bad_json', message: 'invalid JSON' });
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || typeof msg.type !== 'string') {
      return send(ws, { type: 'error', code: 'bad_request', message: 'type must be a string' });
    }
    const reply = (obj) => {
      if (msg.id !== undefined) obj.id = msg.id;
      send(ws, obj);
    };
    switch (msg.type) {
      case 'ping': {
        const r = { type: 'pong', server_ts: Date.now() };
        if (msg.ts !== undefined) r.ts = msg.ts;
        return reply(r);
      }
      case 'subscribe': {
        const c = msg.channel;
        if (typeof c !== 'string') return reply({ type: 'error', code: 'bad_request', message: 'channel' });
        let set = channels.get(c);
        if (!set) channels.set(c, (set = new Set()));
        set.add(ws);
        ws.subs.add(c);
        return reply({ type: 'subscribed', channel: c });
      }
      case 'unsubscribe': {
        const c = msg.channel;
        const set = channels.get(c);
        if (set) set.delete(ws);
        ws.subs.delete(c);
        return reply({ type: 'unsubscribed', channel: c });
      }
      case 'publish': {
        const c = msg.channel;
        if (typeof c !== 'string' || msg.data === undefined) {
          return reply({ type: 'error', code: 'bad_request', message: 'channel and data' });
        }
        const set = channels.get(c);
        if (set && set.size) {
          // One serialization and one Buffer per publish, shared by every recipient.
          const frame = Buffer.from(JSON.stringify({
            type: 'message', channel: c, data: msg.data, from: ws.id, ts: Date.now(),
          }));
          for (const sub of set) sub.send(frame, { binary: false });
        }
        return reply({ type: 'published', channel: c });
      }
      default:
        return reply({ type: 'error', code: 'unknown_type', message: msg.type });
    }
  });
  ws.on('close', () => {
    for (const c of ws.subs) {
      const set = channels.get(c);
      if (set) {
        set.delete(ws);
        if (!set.size) channels.delete(c);
      }
    }
  });
  ws.on('error', () => {});
}

server.listen(port, host, () => {
  const a = server.address();
  process.stdout.write(`node-ws listening on ${tls ? 'https' : 'http'}://${host}:${a.port}\n`);
});

function shutdown() {
  server.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.jsx';
import { defaultSocketUrl } from './hooks/useWebSocket.js';
import { adoptBootSocket, openEarlySocket, earlySocketClass } from './lib/earlySocket.js';
import './styles.css';

// index.html's inline first-paint script (boot/boot.js) has opened the socket and painted the
// first values; React renders once it is done (or gave up), so it does not compete with that
// paint, and takes over its socket and snapshot. Without it (e.g. a page that lacks the inline
// script) the socket is opened here, before React's first render.
const boot = globalThis.__pulseBoot;

function start() {
  const early = adoptBootSocket(boot) || openEarlySocket(defaultSocketUrl());
  const clientOptions = early ? { WebSocket: earlySocketClass(early) } : {};
  if (boot?.snapshot) clientOptions.boot = { welcome: boot.welcome, snapshot: boot.snapshot };
  createRoot(document.getElementById('root')).render(
    <StrictMode>
      <App clientOptions={clientOptions} />
    </StrictMode>,
  );
}

if (boot?.whenDone) boot.whenDone(start);
else start();

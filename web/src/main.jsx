import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.jsx';
import { defaultSocketUrl } from './hooks/useWebSocket.js';
import { openEarlySocket, earlySocketClass } from './lib/earlySocket.js';
import './styles.css';

// The socket first: its handshake and the welcome overlap React's first render.
const early = openEarlySocket(defaultSocketUrl());
const clientOptions = early ? { WebSocket: earlySocketClass(early) } : undefined;

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App clientOptions={clientOptions} />
  </StrictMode>,
);

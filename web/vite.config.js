import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the daemon: /ws (WebSocket) and /api to PULSE_URL
// (default http://127.0.0.1:8080). The Origin header is rewritten to the daemon's own, so
// its same-origin check (SPEC 5) accepts the dev server's connections.
const target = process.env.PULSE_URL || 'http://127.0.0.1:8080';

function sameOrigin(proxy) {
  const origin = new URL(target).origin;
  proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('origin', origin));
  proxy.on('proxyReq', (proxyReq) => {
    if (proxyReq.getHeader('origin')) proxyReq.setHeader('origin', origin);
  });
}

export default defineConfig({
  base: '/',
  plugins: [react()],
  server: {
    proxy: {
      '/ws': { target, ws: true, changeOrigin: true, configure: sameOrigin },
      '/api': { target, changeOrigin: true, configure: sameOrigin },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.js'],
    include: ['src/**/*.test.{js,jsx}'],
    restoreMocks: true,
    // The machine is shared and often loaded: generous per-test time (no test measures time).
    testTimeout: 30000,
  },
});

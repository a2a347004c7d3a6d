import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { build as esbuild } from 'esbuild';
import { fileURLToPath } from 'node:url';

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

// The first-paint script (src/boot/entry.js, boot.js and the card formatting they import)
// bundled into one inline <script> at index.html's `<!-- pulse:boot -->`: it opens the socket
// and paints the first values before the React bundle runs (docs/DASHBOARD.md, "First paint").
// In a build the entry's <script type="module"> is removed: the boot script imports it once the
// first values are painted (measured: fetched and compiled in parallel, by the tag or by a
// <link rel="modulepreload">, it kept the main thread busy while the snapshot reply waited, and
// cold loads were slower; from the cache, on a reload, the late import costs nothing).
const BOOT_ENTRY = fileURLToPath(new URL('./src/boot/entry.js', import.meta.url));
const ENTRY_TAG = /<script type="module" crossorigin src="([^"]+)"><\/script>/;
// The stylesheet is inlined into the page too: the first paint waits for it (render-blocking),
// and fetching it took 25-70 ms of a cold load's first paint (measured: cold median 348 against
// 304-308 ms inlined, alternating). index.html is never cached (the daemon inlines its latest
// values into it), so a separate, cacheable file saved nothing on a reload either.
const CSS_TAG = /<link rel="stylesheet"(?: crossorigin)? href="\/([^"]+\.css)">/g;

// The inlined file is dropped from the output: nothing else refers to it (no chunk imports the
// entry's CSS), and the daemon would otherwise load and serve a copy nobody asks for.
function inlineCss(html, bundle) {
  return html.replace(CSS_TAG, (tag, file) => {
    const css = bundle?.[file]?.source;
    if (typeof css !== 'string') return tag;
    if (/<\/style/i.test(css)) throw new Error(`pulse-boot: ${file} contains "</style"`);
    delete bundle[file];
    return `<style>${css}</style>`;
  });
}

async function bootScript(entry) {
  const out = await esbuild({
    entryPoints: [BOOT_ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    minify: true,
    target: 'es2020',
    legalComments: 'none',
    define: { __PULSE_ENTRY__: JSON.stringify(entry) },
  });
  return out.outputFiles[0].text.trim().replace(/<\/(script)/gi, '<\\/$1');
}

function pulseBoot() {
  return {
    name: 'pulse-boot',
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        let entry = null;
        if (!ctx.server) {
          const m = ENTRY_TAG.exec(html);
          if (!m) throw new Error('pulse-boot: no entry <script type="module"> in index.html');
          entry = m[1];
          html = inlineCss(html.replace(m[0], ''), ctx.bundle);
        }
        const code = await bootScript(entry);
        return html.replace('<!-- pulse:boot -->', () => `<script>${code}</script>`);
      },
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [react(), pulseBoot()],
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

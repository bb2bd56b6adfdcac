/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The built files are embedded into the parley binary (cmake/embed_web.cmake).
// Hashed bundles live under /static/ (served immutable); index.html is served
// for page routes with no-cache. /assets/ stays the server's own (parley.css).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: process.env.PARLEY_WEB_OUT_DIR || 'dist',
    emptyOutDir: true,
    assetsDir: 'static',
    // The polyfill is an inline <script>: the CSP has script-src 'self' only.
    modulePreload: { polyfill: false },
    // Keep every asset a file (no data: URLs injected as inline styles).
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npm run dev` (hot reload) proxies the API and sign-in to a running parley.
    proxy: {
      '/api': process.env.PARLEY_URL || 'http://127.0.0.1:3000',
      '/assets': process.env.PARLEY_URL || 'http://127.0.0.1:3000',
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});

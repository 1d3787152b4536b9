import { defineConfig } from 'vite';

// The web app: the same core as the CLI, bundled for the browser (web/), built to dist-web/.
export default defineConfig({
  root: 'web',
  base: './',
  build: { outDir: '../dist-web', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  worker: { format: 'es' },
});

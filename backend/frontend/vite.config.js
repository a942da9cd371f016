import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Built by Maven (generate-resources) straight into the backend's static resources,
// served by the backend at /app/ (see cn.suifang.backend.h5.H5Routes).
export default defineConfig({
  base: '/app/',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('../target/classes/static/app', import.meta.url)),
    emptyOutDir: true,
    target: ['es2019', 'chrome87', 'safari13'],
    chunkSizeWarningLimit: 1200
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' }
  }
})

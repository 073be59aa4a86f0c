import { defineConfig } from 'vite';

// The UI's build: web/ → web/dist, hashed files under assets/. JSX goes through Vite's built-in
// transform (tsconfig `jsx: react-jsx`). `npx vite web` serves it in development, sending the API
// to a Vigil on :8080.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});

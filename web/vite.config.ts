import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a `rapport serve` on :8080, so the app keeps one
// origin (cookies, CSRF) in development as in production.
export default defineConfig({
  plugins: [react()],
  // The app is written against React's API and runs on Preact through preact/compat:
  // the same components in a third of the code to download and compile, and a faster
  // first render (docs/web.md, "The cold load"). Tests render through it too.
  resolve: {
    alias: [
      { find: /^react$/, replacement: "preact/compat" },
      { find: /^react-dom$/, replacement: "preact/compat" },
      { find: /^react-dom\/client$/, replacement: "preact/compat/client" },
      { find: /^react-dom\/test-utils$/, replacement: "preact/test-utils" },
      { find: /^react\/jsx-runtime$/, replacement: "preact/jsx-runtime" },
      { find: /^react\/jsx-dev-runtime$/, replacement: "preact/jsx-runtime" },
    ],
  },
  build: {
    outDir: "dist",
    sourcemap: false,
    target: "es2022",
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    // The tests render through Preact too (the same aliases): @testing-library/react and
    // react-router are bundled from their ES module builds, whose imports of react and
    // react-dom are aliased, rather than required as CommonJS with the real React.
    alias: [
      { find: /^@testing-library\/react$/, replacement: "@testing-library/react/dist/@testing-library/react.esm.js" },
      { find: /^react-router$/, replacement: new URL("node_modules/react-router/dist/development/index.mjs", import.meta.url).pathname },
    ],
    server: { deps: { inline: [/@testing-library/, /react-router/] } },
  },
});

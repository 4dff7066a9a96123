import { defineConfig } from "vite";

// Built into the jar's classpath (/console), served by kube-backend at /. No CDN, nothing fetched at run time.
export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: process.env.KB_CONSOLE_OUT ?? "../../../target/classes/console",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
});

/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

// Fullscript's Embed hosts (reference 1): the iframe comes from there and
// fullscript-js posts the patient to /api/embeddable/tokenize there. The
// built-in sandbox is on the loopback address, on a port chosen at run time.
// A `custom` environment's host is not known at build time and is refused.
const embedHosts = [
  "http://127.0.0.1:*",
  "https://us-snd.fullscript.io",
  "https://ca-snd.fullscript.io",
  "https://us.fullscript.com",
  "https://ca.fullscript.com",
].join(" ");

// The window runs only what is bundled; the only other thing it may load is
// Fullscript's own screens in a frame. Added at build time only, because
// the dev server injects an inline script for hot reload. Wails' own runtime
// is served from the same origin (/wails/*), so 'self' covers it.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  `connect-src 'self' ${embedHosts}`,
  `frame-src ${embedHosts}`,
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

function contentSecurityPolicyMeta(): Plugin {
  return {
    name: "content-security-policy-meta",
    apply: "build",
    transformIndexHtml: () => [
      {
        tag: "meta",
        attrs: { "http-equiv": "Content-Security-Policy", content: contentSecurityPolicy },
        injectTo: "head-prepend",
      },
    ],
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicyMeta()],
  build: {
    // The Go binary embeds dist/; keep the tracked placeholder (see public/).
    emptyOutDir: true,
  },
  test: {
    // Unit tests only; the real-browser tests (e2e/) have their own config.
    include: ["src/**/*.{test,spec}.{ts,tsx}"],
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    restoreMocks: true,
  },
});

// The real-browser tests (npm run test:browser): fullscript-js in headless
// Chromium against the sandbox CLI. Node environment, no jsdom; the browser
// is driven through playwright-core. See e2e/sandboxEmbed.e2e.test.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});

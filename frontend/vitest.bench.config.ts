// Benchmarks in a real browser (npm run bench:embed, from make bench): not
// part of make test. See e2e/embedTiming.bench.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.bench.ts"],
    environment: "node",
    testTimeout: 600_000,
    hookTimeout: 400_000,
    fileParallelism: false,
  },
});

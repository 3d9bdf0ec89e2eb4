// Lint: typescript-eslint's recommended rules; process.exit only in cli/ (ARCHITECTURE §2).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "demo/", "report/", "data/", "test/output/", "notebooks/dist/", "**/*.d.ts", "**/.cache/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly", fetch: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-restricted-properties": ["error", { object: "process", property: "exit", message: "Only cli/ may exit the process." }],
    },
  },
  { files: ["cli/**", "bin/**", "bench/**", "test/sim/**"], rules: { "no-restricted-properties": "off" } },
);

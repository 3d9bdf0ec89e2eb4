// Lint: typescript-eslint's recommended rules; process.exit only in cli/; imports follow the layers of
// docs/architecture.md (each layer imports only the ones below it).

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
  ...layers({
    "schemas/**": ["warehouse", "collectors", "transforms", "reports", "cli", "tools"],
    "warehouse/**": ["collectors", "transforms", "reports", "cli", "tools"],
    "collectors/**": ["transforms", "reports", "cli", "tools"],
    "transforms/**": ["collectors", "reports", "cli", "tools"],
    "reports/**": ["collectors", "transforms", "cli", "tools"],
  }),
);

/** One no-restricted-imports rule per layer: the top-level folders files under `files` must not import. */
function layers(forbidden) {
  return Object.entries(forbidden).map(([files, folders]) => ({
    files: [files],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: folders.map((folder) => ({
            regex: `^(\\.\\./)+${folder}/`,
            message: `${files.split("/")[0]}/ may not import ${folder}/ (layers: docs/architecture.md).`,
          })),
        },
      ],
    },
  }));
}

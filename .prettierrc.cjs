// Prettier settings of the OCA 18.0 stack, indentation from .editorconfig.
// CommonJS rather than YAML: prettier 3 looks a plugin named in a YAML config up
// from the repository, where the pre-commit hook does not install it, while
// require.resolve finds it in the hook's own environment.
/** @type {import('prettier').Config} */
const config = {
  plugins: [require.resolve("@prettier/plugin-xml")],
  bracketSpacing: false,
  printWidth: 88,
  proseWrap: "always",
  semi: true,
  trailingComma: "es5",
  // Whitespace in Odoo XML is content: field values, QWeb text, translated terms.
  xmlWhitespaceSensitivity: "strict",
};

module.exports = config;

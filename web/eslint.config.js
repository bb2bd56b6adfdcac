// ESLint for the whole web/ tree (CTest: web_lint). Type-aware rules for the
// app's TypeScript (floating promises, misused promises in handlers); the
// node scripts (e2e/, configs) get the untyped recommended set. Formatting is
// Prettier's job (CTest: web_format), so no stylistic rules here.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', 'test-results/', 'screenshots/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [tseslint.configs.recommendedTypeChecked, reactHooks.configs.flat.recommended],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['src/**/*.test.{ts,tsx}'],
    rules: {
      // Fakes of fetch and act() callbacks are async to match the real
      // signatures, whether or not they await anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['e2e/**/*.{js,mjs}', '*.{js,mjs,ts}'],
    languageOptions: { globals: globals.node },
  },
  {
    // Functions passed to page.evaluate / waitForFunction run in the page.
    files: ['e2e/**/*.{js,mjs}'],
    languageOptions: { globals: globals.browser },
  },
  {
    // `e.catch(() => {})` and `catch { }` mark failures that are expected and
    // handled by what follows; an unused `_name` is a deliberate placeholder.
    rules: {
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
]);

// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of DESIGN.md, lowest first: each may import only what lies below it. `no-restricted-imports`
 * refuses an import of a higher layer with the reason, so that the house keeps its shape.
 */
const layer = (dirs, message) => ({ regex: `^\\.{1,2}/(?:\\.\\./)*(?:${dirs.join('|')})(?:/|\\.js$)`, message });
const ROOT = layer(['app', 'main', 'cli'], 'only the composition root (src/app.ts, src/main.ts) and src/cli/ are entry points: nothing imports them back');
const CHANNELS = layer(['channels'], 'channels are the top layer: nothing below imports them');
const RENDER = layer(['render'], 'render/ turns messages into channel formats: only channels use it');
const CONVERSATION = layer(['conversation'], 'the conversation is above this layer');
const CASES = layer(['cases', 'storage'], 'cases and storage are above this layer');
const THINKING = layer(['understand', 'consult', 'flowcharts', 'insights', 'observability'], 'this layer knows nothing of understanding, consulting or their users');

const BOTBUILDER = { name: 'botbuilder', message: 'botbuilder is imported only under src/channels/botframework' };
const restrict = (files, patterns, paths = [BOTBUILDER]) => ({ files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'data/**', 'web/webchat.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['web/**/*.js', 'scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        sessionStorage: 'readonly',
        localStorage: 'readonly',
        getComputedStyle: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        __EKEY_LABELS__: 'readonly',
      },
    },
    rules: { 'no-var': 'off', 'prefer-const': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Control characters in patterns are the point where they are (scrubbing input, key separators).
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-useless-assignment': 'off' },
  },
  restrict(['src/**/*.ts'], [ROOT]),
  restrict(
    ['src/knowledge/**/*.ts'],
    [ROOT, CHANNELS, RENDER, CONVERSATION, CASES, THINKING, layer(['i18n', 'http', 'logger', 'config'], 'knowledge/ loads and checks the data files and imports nothing above it')],
  ),
  restrict(['src/dates/**/*.ts', 'src/storage/**/*.ts'], [ROOT, CHANNELS, RENDER, CONVERSATION, layer(['cases'], 'cases are above this layer'), THINKING]),
  restrict(
    ['src/consult/**/*.ts', 'src/understand/**/*.ts'],
    [ROOT, CHANNELS, RENDER, CONVERSATION, CASES, layer(['insights', 'observability', 'flowcharts'], 'consulting and understanding are pure: no users of them')],
  ),
  restrict(
    ['src/cases/**/*.ts'],
    [ROOT, CHANNELS, RENDER, CONVERSATION, layer(['understand', 'insights', 'observability', 'flowcharts'], 'cases know nothing of conversations or rendering')],
  ),
  restrict(['src/conversation/**/*.ts', 'src/insights/**/*.ts', 'src/observability/**/*.ts', 'src/flowcharts/**/*.ts'], [ROOT, CHANNELS, RENDER]),
  restrict(['src/render/**/*.ts'], [ROOT, CHANNELS]),
  restrict(['src/channels/**/*.ts'], [ROOT]),
  // botbuilder stays inside the Bot Framework channel; the entry points import whatever they compose.
  restrict(['src/channels/botframework/**/*.ts'], [ROOT], []),
  restrict(['src/app.ts', 'src/main.ts', 'src/cli/**/*.ts'], []),
);

import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.ci/**', 'data/**', 'node_modules/**', 'bench/results/**', 'bin/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  ...boundaries(),
);

/**
 * The house's boundaries, checked: hr/ and lms/ never import each other (integration/ is where
 * they meet); a feature folder is reached only through its index.ts; route files do not touch the
 * database (they parse, authorize, call a service and present).
 */
function boundaries() {
  const OTHER_FEATURE_INTERNALS = {
    // ../<feature>/<file> where <file> is not index.ts (siblings inside lms/ or hr/)
    regex: String.raw`^\.\./(?!\.\.?/)[^/]+/(?!index\.ts$)[^/]+$`,
    message: "Import another feature through its index.ts (e.g. '../enrollments/index.ts'), not its internals.",
  };
  const FEATURE_INTERNALS_FROM_OUTSIDE = {
    regex: String.raw`(^|/)(lms|hr)/[^/]+/(?!index\.ts$)[^/]+$`,
    message: "Import a feature through its index.ts (e.g. 'lms/enrollments/index.ts'), not its internals.",
  };
  const OWN_FEATURE_INTERNALS = {
    regex: String.raw`^\./[^/]+/(?!index\.ts$)[^/]+$`,
    message: "Import a feature through its index.ts (e.g. './courses/index.ts'), not its internals.",
  };
  const NO_LMS = { group: ['**/lms/**', '**/lms'], message: 'hr/ must not import lms/; use integration/ hooks.' };
  const NO_HR = { group: ['**/hr/**', '**/hr'], message: 'lms/ must not import hr/; use integration/ hooks.' };
  const NO_DATABASE = 'Route files do not touch the database: call a service.';
  const DATABASE_MODULES = { regex: String.raw`/db/(?!ids\.ts$)[^/]+$`, message: NO_DATABASE };
  const areas = [
    // lms/index.ts and hr/index.ts reach their own features through each feature's index.ts too.
    { files: ['src/server/hr/*.ts'], patterns: [NO_LMS, OWN_FEATURE_INTERNALS] },
    { files: ['src/server/lms/*.ts'], patterns: [NO_HR, OWN_FEATURE_INTERNALS] },
    {
      files: ['src/server/hr/*/**/*.ts'],
      patterns: [NO_LMS, OTHER_FEATURE_INTERNALS],
    },
    {
      files: ['src/server/lms/*/**/*.ts'],
      patterns: [NO_HR, OTHER_FEATURE_INTERNALS],
    },
    {
      files: ['src/**/*.ts', 'src/**/*.tsx', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
      ignores: ['src/server/lms/**', 'src/server/hr/**'],
      patterns: [FEATURE_INTERNALS_FROM_OUTSIDE],
    },
  ];
  return [
    ...areas.map(({ patterns, ...where }) => ({ ...where, rules: { 'no-restricted-imports': ['error', { patterns }] } })),
    // Route files: the same boundaries, and no database.
    ...areas.map(({ patterns, files, ...where }) => ({
      ...where,
      files: files.map((f) => f.replace(/\*\.tsx?$/, '*.routes.ts')).filter((f, i, all) => all.indexOf(f) === i),
      rules: {
        'no-restricted-imports': [
          'error',
          { paths: [{ name: 'kysely', message: NO_DATABASE }], patterns: [...patterns, DATABASE_MODULES] },
        ],
        'no-restricted-syntax': [
          'error',
          {
            selector:
              'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|transaction|executeQuery)$/]',
            message: NO_DATABASE,
          },
          { selector: "TaggedTemplateExpression[tag.name='sql']", message: NO_DATABASE },
        ],
      },
    })),
  ];
}

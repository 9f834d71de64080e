import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

/**
 * The folder boundaries of eslint.config.js fail the lint: each case lints a line of code as if it
 * stood in a real file of the tree, with the project's own configuration.
 */
const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);
const eslint = new ESLint({
  cwd: process.cwd(),
  // Only the boundary rules, which need no type information: no TypeScript program is built.
  ruleFilter: ({ ruleId }) => BOUNDARY_RULES.has(ruleId),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const probe = 1;\n`, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.fatal || (m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId)))
    .map((m) => m.message);
}

describe('folder boundaries in the lint', () => {
  it('refuses lms/ importing hr/ and the reverse', async () => {
    expect((await restrictedImports('src/server/lms/courses/course.service.ts', "import '../../hr/index.ts';")).join()).toMatch(
      /lms\/ must not import hr\//,
    );
    expect((await restrictedImports('src/server/hr/employees/employee.service.ts', "import '../../lms/index.ts';")).join()).toMatch(
      /hr\/ must not import lms\//,
    );
  }, 60_000);

  it("refuses another feature's internals and accepts its index.ts", async () => {
    const inside = 'src/server/lms/quizzes/quiz.service.ts';
    expect((await restrictedImports(inside, "import '../enrollments/progress.service.ts';")).join()).toMatch(/through its index\.ts/);
    expect(await restrictedImports(inside, "import '../enrollments/index.ts';")).toEqual([]);
    expect(await restrictedImports(inside, "import './grading.ts';")).toEqual([]);
    const outside = 'src/server/integration/search.ts';
    expect((await restrictedImports(outside, "import '../lms/courses/course.service.ts';")).join()).toMatch(/through its index\.ts/);
    expect(await restrictedImports(outside, "import '../lms/courses/index.ts';")).toEqual([]);
    expect((await restrictedImports('src/server/lms/index.ts', "import './quizzes/quiz.service.ts';")).join()).toMatch(/through its index\.ts/);
  }, 60_000);

  it('refuses a route file that touches the database', async () => {
    const route = 'src/server/lms/courses/course.routes.ts';
    expect((await restrictedImports(route, "import { sql } from 'kysely';")).join()).toMatch(/do not touch the database/);
    expect((await restrictedImports(route, "import '../../db/database.ts';")).join()).toMatch(/do not touch the database/);
    const query = "import type { AppContext } from '../../context.ts';\nexport const q = (ctx: AppContext) => ctx.db.selectFrom('courses');";
    expect((await restrictedImports(route, query)).join()).toMatch(/do not touch the database/);
    expect((await restrictedImports('src/server/lms/courses/course.service.ts', query)).join()).toBe('');
  }, 60_000);
});

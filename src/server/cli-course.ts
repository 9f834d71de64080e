/**
 * `smooth course list`, `smooth course export COURSE FILE.zip` and `smooth course import FILE.zip`
 * (as the API's course list, export.zip and import). A course is named by its title or its id.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from './config.ts';
import { openAndMigrate } from './main.ts';
import { buildApp } from './app.ts';
import { SYSTEM_ACTOR, type AppContext } from './context.ts';
import { AppError } from './http/errors.ts';
import { exportCourseArchive, getCourse, importCourseArchiveFile, listCourses } from './lms/courses/index.ts';
import { describeImport } from '../contract/course-archive.ts';
import type { Course } from '../contract/courses.ts';
import { fail, sizeInWords, table } from './cli-common.ts';

export const COURSE_USAGE = 'usage: smooth course list [--search TEXT] | smooth course export COURSE FILE.zip | smooth course import FILE.zip';

/** Every course (or those whose title contains `search`), by title. */
async function allCourses(ctx: AppContext, search?: string): Promise<Course[]> {
  const out: Course[] = [];
  let cursor: string | undefined;
  do {
    const page = await listCourses(ctx, SYSTEM_ACTOR, { limit: 200, withTotal: false, ...(search ? { q: search } : {}), ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The course an operator named: its id, or its title (any case, compared here: SQLite's lower() knows ASCII only). None or several are said in words. */
async function namedCourse(ctx: AppContext, name: string): Promise<Course> {
  const byId = await getCourse(ctx, SYSTEM_ACTOR, name).catch((e: unknown) => {
    if (e instanceof AppError && e.status === 404) return null;
    throw e;
  });
  if (byId) return byId;
  const wanted = name.trim().toLocaleLowerCase();
  const matches = (await allCourses(ctx)).filter((c) => c.title.trim().toLocaleLowerCase() === wanted);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) fail(`no course is called “${name}” and none has that id. "smooth course list" shows them.`, 1);
  fail(`${matches.length} courses are called “${name}”: name one by its id (${matches.map((c) => c.id).join(', ')}).`, 1);
}

function courseRows(courses: Course[]): string[][] {
  return [
    ['Title', 'Status', 'Lessons', 'Id'],
    ...courses.map((c) => [c.title, `${c.published ? 'Published' : 'Draft'}${c.mandatory ? ', mandatory' : ''}`, String(c.lessonCount), c.id]),
  ];
}

export async function courseCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values, positionals: args } = parseArgs({ args: rest, allowPositionals: true, options: sub === 'list' ? { search: { type: 'string' } } : {} });
  const shapeOk = (sub === 'list' && args.length === 0) || (sub === 'export' && args.length === 2) || (sub === 'import' && args.length === 1);
  if (!shapeOk) fail(COURSE_USAGE, 2);
  if (sub === 'import') {
    try {
      if (!fs.statSync(args[0]!).isFile()) fail(`${args[0]} is not a file`, 66);
    } catch {
      fail(`cannot read ${args[0]}`, 66);
    }
  }
  const config = loadConfig();
  const database = await openAndMigrate(config);
  const { app, ctx } = await buildApp({ config, database, logger: false });
  try {
    if (sub === 'list') {
      const search = typeof values.search === 'string' ? values.search : undefined;
      const courses = await allCourses(ctx, search);
      if (courses.length === 0) {
        process.stdout.write(search ? `No course title contains “${search}”.\n` : 'There are no courses yet.\n');
        return;
      }
      process.stdout.write(`${table(courseRows(courses))}\n${courses.length === 1 ? '1 course' : `${courses.length} courses`}.\n`);
      return;
    }
    if (sub === 'export') {
      const [name, file] = args as [string, string];
      const course = await namedCourse(ctx, name);
      const { chunks } = await exportCourseArchive(ctx, SYSTEM_ACTOR, course.id);
      const part = `${file}.part`;
      try {
        await pipeline(Readable.from(chunks), fs.createWriteStream(part));
        fs.renameSync(part, file);
      } catch (e) {
        fs.rmSync(part, { force: true });
        throw e;
      }
      process.stdout.write(`Exported “${course.title}” to ${file} (${sizeInWords(fs.statSync(file).size)}).\n`);
      return;
    }
    const result = await importCourseArchiveFile(ctx, SYSTEM_ACTOR, args[0]!);
    process.stdout.write(`${describeImport(result)} Its id is ${result.courseId}.\n`);
    for (const w of result.report.warnings) process.stdout.write(`  Note: ${w}\n`);
    process.stdout.write('It has no instructors yet: Moderators and System Managers manage it; add instructors on its desk page.\n');
  } catch (e) {
    if (e instanceof AppError) {
      const errs = (e.extras.errors as { path: string; message: string }[] | undefined) ?? [];
      fail([e.message, ...errs.slice(0, 20).map((x) => `  ${x.path}: ${x.message}`)].join('\n'), 1);
    }
    throw e;
  } finally {
    await app.close();
    await database.close();
  }
}

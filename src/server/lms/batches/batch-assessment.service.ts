/**
 * Batch assessments: the quizzes and assignments a batch is assessed on, each with a due date.
 * A member passes a quiz assessment with their best attempt (any passed attempt) and an assignment
 * assessment with a passed submission. The batch dashboard rolls them up per member.
 */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { isUniqueViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { Assessment, CreateAssessmentInput } from '../../../contract/assignments.ts';
import { isBatchStaff } from './batch.policy.ts';
import { managedBatch, visibleBatch } from './batch.service.ts';

export async function createAssessment(ctx: AppContext, actor: Actor, batchId: string, input: CreateAssessmentInput, requestId: string | null): Promise<Assessment> {
  const id = newId();
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const { row } = await managedBatch(trx, actor, batchId);
      if (input.kind === 'quiz') {
        const quiz = await trx.selectFrom('quizzes').select('id').where('id', '=', input.quizId!).executeTakeFirst();
        if (!quiz) throw errors.validation([{ path: 'quizId', message: 'No quiz has this id.' }], 'No quiz has this id.');
      } else {
        const a = await trx.selectFrom('assignments').select('id').where('id', '=', input.assignmentId!).executeTakeFirst();
        if (!a) throw errors.validation([{ path: 'assignmentId', message: 'No assignment has this id.' }], 'No assignment has this id.');
      }
      const values = {
        id,
        batch_id: row.id,
        kind: input.kind,
        quiz_id: input.kind === 'quiz' ? input.quizId! : null,
        assignment_id: input.kind === 'assignment' ? input.assignmentId! : null,
        due_date: input.dueDate,
        created_by: actor.id,
        created_at: nowIso(),
      };
      await trx.insertInto('batch_assessments').values(values).execute();
      await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'batch_assessment', entityId: id, after: values, requestId });
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      const path = input.kind === 'quiz' ? 'quizId' : 'assignmentId';
      throw errors.validation([{ path, message: `The batch is assessed on this ${input.kind} already.` }], `The batch is assessed on this ${input.kind} already.`);
    }
    throw e;
  }
  const items = await listAssessments(ctx, actor, batchId);
  return items.find((a) => a.id === id)!;
}

/** The batch's assessments with passed / members counts (staff) or the caller's own state (members). */
export async function listAssessments(ctx: AppContext, actor: Actor, batchId: string): Promise<Assessment[]> {
  const { row, rel } = await visibleBatch(ctx.db, actor, batchId);
  const staff = isBatchStaff(rel);
  if (!staff && !rel.isMember) return [];
  const rows = await ctx.db
    .selectFrom('batch_assessments as ba')
    .leftJoin('quizzes as q', 'q.id', 'ba.quiz_id')
    .leftJoin('assignments as a', 'a.id', 'ba.assignment_id')
    .select(['ba.id', 'ba.batch_id', 'ba.kind', 'ba.quiz_id', 'ba.assignment_id', 'ba.due_date', 'q.title as quiz_title', 'a.title as assignment_title'])
    .select((eb) => [
      eb
        .selectFrom('batch_members as bm')
        .select((x) => x.fn.countAll<number>().as('n'))
        .whereRef('bm.batch_id', '=', 'ba.batch_id')
        .where(passedBy(sql.ref('bm.member_id')))
        .as('passed'),
    ])
    .where('ba.batch_id', '=', row.id)
    .orderBy('ba.due_date')
    .orderBy('ba.id')
    .execute();
  const mine = staff || !actor.id ? new Map<string, Assessment['myStatus']>() : await myStates(ctx.db, actor.id, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    batchId: r.batch_id,
    kind: r.kind as Assessment['kind'],
    quizId: r.quiz_id,
    assignmentId: r.assignment_id,
    title: r.quiz_title ?? r.assignment_title ?? '',
    dueDate: r.due_date,
    passed: staff ? Number(r.passed) : 0,
    members: staff ? Number(row.member_count) : 0,
    myStatus: staff ? null : (mine.get(r.id) ?? 'open'),
  }));
}

/** Whether the member (an SQL expression) passed assessment `ba`: a passed quiz attempt or assignment submission. */
function passedBy(member: ReturnType<typeof sql.ref>) {
  return sql<boolean>`(
    (ba.kind = 'quiz' and exists (select 1 from quiz_submissions qs where qs.quiz_id = ba.quiz_id and qs.member_id = ${member} and qs.passed = 1))
    or (ba.kind = 'assignment' and exists (select 1 from assignment_submissions s where s.assignment_id = ba.assignment_id and s.member_id = ${member} and s.status = 'passed'))
  )`;
}

async function myStates(db: Executor, memberId: string, ids: string[]): Promise<Map<string, Assessment['myStatus']>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('batch_assessments as ba')
    .select('ba.id')
    .select(
      sql<string>`case
        when ${passedBy(sql.ref('m.id'))} then 'passed'
        when ba.kind = 'assignment' and exists (select 1 from assignment_submissions s where s.assignment_id = ba.assignment_id and s.member_id = m.id and s.status = 'submitted') then 'submitted'
        when exists (select 1 from assignment_submissions s where s.assignment_id = ba.assignment_id and s.member_id = m.id and s.status = 'failed')
          or exists (select 1 from quiz_submissions qs where qs.quiz_id = ba.quiz_id and qs.member_id = m.id and qs.passed = 0) then 'failed'
        else 'open' end`.as('state'),
    )
    .innerJoin('users as m', (j) => j.on('m.id', '=', memberId))
    .where('ba.id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.state as Assessment['myStatus']]));
}

/** Per member of the page: assessments passed out of the batch's assessments (two grouped queries). */
export async function assessmentRollup(db: Executor, batchId: string, memberIds: readonly string[]): Promise<Map<string, { passed: number; total: number }>> {
  const out = new Map<string, { passed: number; total: number }>();
  if (memberIds.length === 0) return out;
  const [total, passed] = await Promise.all([
    db.selectFrom('batch_assessments').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', batchId).executeTakeFirstOrThrow(),
    db
      .selectFrom('batch_assessments as ba')
      .innerJoin('batch_members as bm', 'bm.batch_id', 'ba.batch_id')
      .select(['bm.member_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('ba.batch_id', '=', batchId)
      .where('bm.member_id', 'in', [...memberIds])
      .where(passedBy(sql.ref('bm.member_id')))
      .groupBy('bm.member_id')
      .execute(),
  ]);
  const byMember = new Map(passed.map((p) => [p.member_id, Number(p.n)]));
  for (const m of memberIds) out.set(m, { passed: byMember.get(m) ?? 0, total: Number(total.n) });
  return out;
}

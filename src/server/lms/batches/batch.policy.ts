/** Who may see and manage a batch. */
import type { Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { BatchesTable } from '../../db/schema-batches.ts';
import { hasAnyRole } from '../../http/access.ts';
import type { Role } from '../../../contract/roles.ts';
import { isCourseAdmin } from '../courses/index.ts';

/** Roles that create batches (System Managers too). */
export const BATCH_CREATORS: readonly Role[] = ['Moderator', 'Course Creator'];

/** Moderators and System Managers manage every batch; a Course Creator the batches they created. */
export function canManageBatch(actor: Actor, batch: Pick<BatchesTable, 'created_by'>): boolean {
  if (isCourseAdmin(actor)) return true;
  return !!actor.id && hasAnyRole(actor.roles, ['Course Creator']) && batch.created_by === actor.id;
}

export interface BatchRelation {
  manages: boolean;
  /** Named on the batch as instructor (or manages it). */
  instructs: boolean;
  evaluates: boolean;
  isMember: boolean;
  batchMemberId: string | null;
}

/** The caller's relation to a batch, in one read. */
export async function relationTo(db: Executor, actor: Actor, batch: Pick<BatchesTable, 'id' | 'created_by'>): Promise<BatchRelation> {
  const manages = canManageBatch(actor, batch);
  if (!actor.id) return { manages, instructs: manages, evaluates: false, isMember: false, batchMemberId: null };
  const me = actor.id;
  const [staff, member] = await Promise.all([
    db.selectFrom('batch_staff').select('role').where('batch_id', '=', batch.id).where('user_id', '=', me).execute(),
    db.selectFrom('batch_members').select('id').where('batch_id', '=', batch.id).where('member_id', '=', me).executeTakeFirst(),
  ]);
  const roles = new Set(staff.map((s) => s.role));
  return {
    manages,
    instructs: manages || roles.has('instructor'),
    evaluates: roles.has('evaluator'),
    isMember: !!member,
    batchMemberId: member?.id ?? null,
  };
}

/** Staff of the batch: those who manage it, its instructors and evaluators. */
export function isBatchStaff(r: BatchRelation): boolean {
  return r.manages || r.instructs || r.evaluates;
}

/** A batch is visible to its staff and members, and to everyone logged in once published. */
export function canSeeBatch(r: BatchRelation, batch: Pick<BatchesTable, 'published'>): boolean {
  return batch.published === 1 || isBatchStaff(r) || r.isMember;
}

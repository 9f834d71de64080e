/**
 * Recommendations (`get_ai_recommendations`): published courses the learner is not enrolled in,
 * ranked by what colleagues of the same department and designation took and completed, by how
 * much a course's text resembles the learner's own courses and role, and by popularity; mandatory
 * training not taken yet comes first. Every suggestion carries a sentence saying why.
 *
 * It needs the employee record (hr/) and the courses and enrollments (lms/), so it lives here.
 * Four statements whatever the catalog's size: the learner's courses, the candidate courses with
 * their popularity, the learner's HR details, and the peers' enrollments grouped by course.
 *
 * An optional external model (LMS Settings: an OpenAI-compatible chat-completions endpoint and
 * key) may re-order the best candidates; without one, or when it fails, is slow or answers
 * nonsense, the built-in order stands.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Actor, AppContext } from '../context.ts';
import { DAY_MS } from '../db/dialect.ts';
import { errors } from '../http/errors.ts';
import { courseImageUrl, parseTags } from '../lms/courses/index.ts';
import { recommendationProvider, type RecommendationProvider } from '../platform/settings.service.ts';
import type { Recommendation, RecommendationKind } from '../../contract/recommendations.ts';
import { personDetailsFromHr } from './person-details.ts';
import { refusedOutboundHost } from '../platform/outbound-address.ts';

/** How long the external re-ranker may take before the built-in order answers. */
export const RERANK_TIMEOUT_MS = 2000;
/** The largest provider answer read (a ranking of a shortlist is a few kilobytes). */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** A course published this recently is "new in the catalog". */
const NEW_DAYS = 60;

// ---------------------------------------------------------------------------------------------
// Course text as weighted terms

const STOP_WORDS = new Set(
  (
    'the and for with your you our how what why when who this that these those from into onto about are was were its all any ' +
    'can will not but has have had get out use using per via course lesson training basic introduction intro part level ' +
    'module guide learn learning new essential overview fundamental refresher'
  ).split(' '),
);

function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Lower-cased words without accents, plural s and filler words. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .map(stem)
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
}

type Terms = Map<string, number>;

function add(terms: Terms, term: string, weight: number): void {
  terms.set(term, (terms.get(term) ?? 0) + weight);
}

interface CourseText {
  title: string;
  short_introduction: string;
  tags: string;
  category: string | null;
}

/** Title words weigh more than the introduction's; a shared tag or category more than any word. */
function courseTerms(c: CourseText): Terms {
  const t: Terms = new Map();
  for (const w of words(c.title)) add(t, w, 2);
  for (const w of words(c.short_introduction)) add(t, w, 1);
  for (const tag of parseTags(c.tags)) {
    add(t, `tag:${tag.trim().toLowerCase()}`, 3);
    for (const w of words(tag)) add(t, w, 1);
  }
  if (c.category) {
    add(t, `category:${c.category.trim().toLowerCase()}`, 3);
    for (const w of words(c.category)) add(t, w, 1);
  }
  return t;
}

/** Weights terms by rarity (a word every course has says little) and scales to unit length. */
function weigh(docs: Terms[]): (t: Terms) => Terms {
  const df = new Map<string, number>();
  for (const d of docs) for (const k of d.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const n = docs.length;
  return (t) => {
    const out: Terms = new Map();
    let norm = 0;
    for (const [k, v] of t) {
      const w = v * Math.log(1 + n / (df.get(k) ?? 1));
      out.set(k, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [k, v] of out) out.set(k, v / norm);
    return out;
  };
}

function cosine(a: Terms, b: Terms): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let s = 0;
  for (const [k, v] of small) s += v * (large.get(k) ?? 0);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Ranking

interface Candidate extends CourseText {
  id: string;
  image_file_id: string | null;
  mandatory: number;
  paid: number;
  price: number | string | null;
  currency: string | null;
  disable_self_enrollment: number;
  published_at: string | null;
  lesson_count: number | string | null;
  taken: number | string | null;
  completed: number | string | null;
}

interface PeerCounts {
  course_id: string;
  department_taken: number | string | null;
  department_completed: number | string | null;
  designation_taken: number | string | null;
  designation_completed: number | string | null;
}

export interface Ranked {
  recommendation: Recommendation;
  score: number;
}

function people(n: number): string {
  return n === 1 ? '1 person' : `${n} people`;
}

/** The built-in ranking of every candidate, best first, each with its reason. */
async function rankBuiltIn(ctx: AppContext, memberId: string): Promise<{ ranked: Ranked[]; profile: LearnerProfile }> {
  const db = ctx.db;
  const [history, candidates, person] = await Promise.all([
    db
      .selectFrom('enrollments')
      .innerJoin('courses', 'courses.id', 'enrollments.course_id')
      .select(['courses.id', 'courses.title', 'courses.short_introduction', 'courses.tags', 'courses.category', 'enrollments.completed_at'])
      .where('enrollments.member_id', '=', memberId)
      .execute(),
    // The catalog as a learner sees it (published courses), less the courses the learner is in.
    db
      .selectFrom('courses')
      .select([
        'courses.id',
        'courses.title',
        'courses.short_introduction',
        'courses.tags',
        'courses.category',
        'courses.image_file_id',
        'courses.mandatory',
        'courses.paid',
        'courses.price',
        'courses.currency',
        'courses.disable_self_enrollment',
        'courses.published_at',
        (eb) =>
          eb
            .selectFrom('lessons')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('lessons.course_id', '=', 'courses.id')
            .as('lesson_count'),
        (eb) =>
          eb
            .selectFrom('enrollments')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('enrollments.course_id', '=', 'courses.id')
            .as('taken'),
        (eb) =>
          eb
            .selectFrom('enrollments')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('enrollments.course_id', '=', 'courses.id')
            .where('enrollments.completed_at', 'is not', null)
            .as('completed'),
      ])
      .where('courses.published', '=', 1)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('enrollments as mine')
              .select('mine.id')
              .whereRef('mine.course_id', '=', 'courses.id')
              .where('mine.member_id', '=', memberId),
          ),
        ),
      )
      .execute() as Promise<Candidate[]>,
    personDetailsFromHr(db, memberId),
  ]);
  const profile: LearnerProfile = {
    department: person?.department ?? null,
    designation: person?.designation ?? null,
    employee: person !== null,
    history: history.map((h) => ({ title: h.title, category: h.category, tags: parseTags(h.tags), completed: h.completed_at !== null })),
  };
  if (!candidates.length) return { ranked: [], profile };

  // Colleagues (active employees with a user) of the same department or designation: how many
  // of them took and completed each candidate course.
  const peers = new Map<string, PeerCounts>();
  if (person?.department || person?.designation) {
    const rows = await sql<PeerCounts>`
      select en.course_id,
             sum(case when pe.department_id = me.department_id then 1 else 0 end) as department_taken,
             sum(case when pe.department_id = me.department_id and en.completed_at is not null then 1 else 0 end) as department_completed,
             sum(case when pe.designation_id = me.designation_id then 1 else 0 end) as designation_taken,
             sum(case when pe.designation_id = me.designation_id and en.completed_at is not null then 1 else 0 end) as designation_completed
        from employees me
        join employees pe
          on pe.id <> me.id and pe.status = 'active' and pe.user_id is not null
         and (pe.department_id = me.department_id or pe.designation_id = me.designation_id)
        join enrollments en on en.member_id = pe.user_id
        join courses c on c.id = en.course_id and c.published = 1
       where me.user_id = ${memberId}
         and not exists (select 1 from enrollments mine where mine.member_id = ${memberId} and mine.course_id = en.course_id)
       group by en.course_id`.execute(db);
    for (const r of rows.rows) peers.set(r.course_id, r);
  }

  const candidateTerms = candidates.map(courseTerms);
  const historyTerms = history.map(courseTerms);
  const roleTerms: Terms = new Map();
  for (const w of words(person?.designation ?? '')) add(roleTerms, w, 1);
  const weighted = weigh([...candidateTerms, ...historyTerms]);
  const candidateVectors = candidateTerms.map(weighted);
  const historyVectors = historyTerms.map(weighted);
  const roleVector = roleTerms.size ? weighted(roleTerms) : null;
  const newSince = new Date(Date.now() - NEW_DAYS * DAY_MS).toISOString();

  const ranked = candidates.map((c, i): Ranked => {
    const vector = candidateVectors[i]!;
    // The learner's course it resembles most (a completed one counts fully, one in progress less).
    let similarity = 0;
    let similar: (typeof history)[number] | null = null;
    for (let j = 0; j < history.length; j++) {
      const s = cosine(vector, historyVectors[j]!) * (history[j]!.completed_at !== null ? 1 : 0.8);
      if (s > similarity) {
        similarity = s;
        similar = history[j]!;
      }
    }
    const role = roleVector ? cosine(vector, roleVector) : 0;
    const p = peers.get(c.id);
    const department = { taken: Number(p?.department_taken ?? 0), completed: Number(p?.department_completed ?? 0) };
    const designation = { taken: Number(p?.designation_taken ?? 0), completed: Number(p?.designation_completed ?? 0) };
    const taken = Number(c.taken ?? 0);
    const completed = Number(c.completed ?? 0);
    const isNew = !!c.published_at && c.published_at >= newSince;

    // What each signal adds; a completion counts twice as much as an enrollment.
    const signals: { kind: RecommendationKind; points: number; reason: string }[] = [];
    if (department.taken > 0) {
      signals.push({
        kind: 'department',
        points: 4 * (department.taken + department.completed),
        reason: `Taken by ${people(department.taken)} in ${person!.department!}`,
      });
    }
    if (designation.taken > 0) {
      signals.push({
        kind: 'designation',
        points: 4 * (designation.taken + designation.completed),
        reason: `Taken by ${people(designation.taken)} in your role (${person!.designation!})`,
      });
    }
    if (similar && similarity >= 0.12) {
      signals.push({
        kind: 'similar',
        points: 20 * similarity,
        reason: `Similar to ${similar.title} ${similar.completed_at !== null ? 'you completed' : 'you are taking'}`,
      });
    }
    if (role >= 0.1) signals.push({ kind: 'role', points: 10 * role, reason: `Matches your role: ${person!.designation!}` });
    if (taken > 0)
      signals.push({
        kind: 'popular',
        points: Math.log1p(taken + completed),
        reason: taken === 1 ? 'Taken by 1 person so far' : `Popular: taken by ${taken} people`,
      });
    let score = signals.reduce((s, x) => s + x.points, 0) + (isNew ? 0.5 : 0);
    const strongest = signals.reduce<(typeof signals)[number] | null>((best, x) => (!best || x.points > best.points ? x : best), null);
    let kind: RecommendationKind = strongest?.kind ?? 'catalog';
    let reason = strongest?.reason ?? (isNew ? 'New in the catalog' : 'Available in the catalog');
    if (c.mandatory === 1) {
      score += 1000;
      kind = 'mandatory';
      reason = person ? 'Mandatory for your role' : 'Mandatory training';
    }
    return {
      score,
      recommendation: {
        course: {
          id: c.id,
          title: c.title,
          shortIntroduction: c.short_introduction,
          imageUrl: courseImageUrl(c.id, c.image_file_id),
          category: c.category,
          tags: parseTags(c.tags),
          mandatory: c.mandatory === 1,
          paid: c.paid === 1,
          price: c.price === null ? null : Number(c.price),
          currency: c.currency,
          disableSelfEnrollment: c.disable_self_enrollment === 1,
          lessonCount: Number(c.lesson_count ?? 0),
        },
        reason,
        kind,
      },
    };
  });
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      (b.recommendation.course.id < a.recommendation.course.id ? -1 : b.recommendation.course.id > a.recommendation.course.id ? 1 : 0),
  );
  return { ranked, profile };
}

// ---------------------------------------------------------------------------------------------
// The optional external re-ranker

interface LearnerProfile {
  employee: boolean;
  department: string | null;
  designation: string | null;
  history: { title: string; category: string | null; tags: string[]; completed: boolean }[];
}

const ChatAnswer = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1) });
const Ranking = z.union([z.object({ ranking: z.array(z.string()) }), z.array(z.string())]);

/**
 * Asks an OpenAI-compatible chat-completions endpoint to order the candidates for the learner.
 * Sends no names or e-mail addresses: the learner's department, designation and course titles,
 * and the candidates' texts. Returns the candidate ids in the provider's order (ids it did not
 * mention follow in the built-in order); throws on any failure, timeout or malformed answer.
 */
export async function rerankWithProvider(
  provider: RecommendationProvider,
  profile: LearnerProfile,
  candidates: Ranked[],
): Promise<string[]> {
  const list = candidates.map((r) => ({
    id: r.recommendation.course.id,
    title: r.recommendation.course.title,
    shortIntroduction: r.recommendation.course.shortIntroduction,
    category: r.recommendation.course.category,
    tags: r.recommendation.course.tags,
    mandatory: r.recommendation.course.mandatory,
    builtInReason: r.recommendation.reason,
  }));
  const res = await fetch(provider.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${provider.apiKey}` },
    body: JSON.stringify({
      ...(provider.model ? { model: provider.model } : {}),
      temperature: 0,
      messages: [
        {
          role: 'system',
          content:
            'You rank training courses for one employee of a company learning system. ' +
            'Answer with JSON only, of the form {"ranking": ["<course id>", ...]}, best first, using only ids from the candidates.',
        },
        { role: 'user', content: JSON.stringify({ learner: { ...profile, history: profile.history.slice(0, 30) }, candidates: list }) },
      ],
    }),
    signal: AbortSignal.timeout(RERANK_TIMEOUT_MS),
    // The endpoint is the one the settings name: a redirect elsewhere (an internal address, say) is not followed.
    redirect: 'error',
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`the provider answered ${res.status}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await readAtMost(res, MAX_ANSWER_BYTES));
  } catch (e) {
    if (e instanceof SyntaxError) throw new Error('the provider answer is not JSON');
    throw e;
  }
  const answer = ChatAnswer.safeParse(body);
  if (!answer.success) throw new Error('the provider answer is not a chat completion');
  const content = answer.data.choices[0]!.message.content.trim().replace(/^```(?:json)?\s*|\s*```$/g, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new Error('the provider ranking is not JSON');
  }
  const ranking = Ranking.safeParse(parsed);
  if (!ranking.success) throw new Error('the provider ranking has no list of ids');
  const ids = Array.isArray(ranking.data) ? ranking.data : ranking.data.ranking;
  const known = new Set(list.map((c) => c.id));
  const order = [...new Set(ids.filter((id) => known.has(id)))];
  if (!order.length) throw new Error('the provider ranking names none of the candidates');
  const placed = new Set(order);
  return [...order, ...list.map((c) => c.id).filter((id) => !placed.has(id))];
}

/** The body of `res` as text; throws (and stops reading) once it passes `max` bytes. */
async function readAtMost(res: Response, max: number): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel();
    throw new Error('the provider answer is too large');
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > max) throw new Error('the provider answer is too large'); // leaving the loop cancels the stream
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The caller's recommendations, best first, at most `limit`. */
export async function recommendationsFor(ctx: AppContext, actor: Actor, limit: number): Promise<Recommendation[]> {
  if (!actor.id) throw errors.unauthenticated();
  const { ranked, profile } = await rankBuiltIn(ctx, actor.id);
  if (!ranked.length) return [];
  const provider = await recommendationProvider(ctx.db);
  if (provider) {
    // The provider sees a shortlist: enough to re-order, small enough to answer quickly.
    const shortlist = ranked.slice(0, Math.max(limit * 2, 20));
    try {
      // Checked again at every call: the host name may resolve elsewhere than when it was set.
      const refused = ctx.config.allowPrivateEndpoints ? null : await refusedOutboundHost(provider.endpoint);
      if (refused) throw new Error(refused);
      const order = await rerankWithProvider(provider, profile, shortlist);
      const byId = new Map(shortlist.map((r) => [r.recommendation.course.id, r.recommendation]));
      return order.slice(0, limit).map((id) => byId.get(id)!);
    } catch (err) {
      ctx.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'Recommendation re-ranking failed; the built-in order answers',
      );
    }
  }
  return ranked.slice(0, limit).map((r) => r.recommendation);
}

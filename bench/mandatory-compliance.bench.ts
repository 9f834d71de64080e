/**
 * mandatory-compliance: GET /api/statistics/mandatory-compliance over 100,000 active employees
 * (each with a user) × 10 published mandatory courses = 1,000,000 enrollments of mixed progress
 * (40% complete, 30% in progress, 30% not started) and 600,000 training assignments (a third of
 * them overdue); 10,000 employees with --quick. Goal: p95 ≤ 250 ms, without and with a department
 * filter. Then POST /api/employee-onboardings/batch of 1,000 new employees (each enrolled in the
 * 10 courses with one assignment per course) in one request.
 */
import { COMPLIANCE_COURSES, employeeId, seedCompliance } from '../scripts/seed-scale.ts';
import { summarize } from './lib/stats.ts';
import { request } from './lib/load.ts';
import { compared, figure, defineBenchmark, type BenchResult } from './lib/types.ts';
import { startBenchServer } from './lib/server.ts';

const COURSES = COMPLIANCE_COURSES;
const GOAL_MS = 250;

export default defineBenchmark({
  name: 'mandatory-compliance',
  description:
    'p95 of GET /api/statistics/mandatory-compliance (all departments and one department) over 100,000 employees × 10 mandatory ' +
    'courses = 1,000,000 enrollments (10,000 employees with --quick), goal ≤ 250 ms; and one onboarding batch of 1,000 employees.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (m: string) => opts.log(m);
    const employees = quick ? 10_000 : 100_000;
    const batch = 1_000;
    const server = await startBenchServer(dialect, {
      log,
      dataset: { key: `compliance ${employees}+${batch}`, seed: (db, d, l) => seedCompliance(db, d, employees, batch, l) },
    });
    const results: BenchResult[] = [];
    try {
      const db = server.ctx.db;
      const tag = server.seeded;

      const hr = await server.createUser(['HR Manager']);
      const cookie = await server.login(hr);
      const get = async (url: string) => {
        const res = await request(`${server.url}${url}`, { headers: { cookie } });
        if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status} ${res.body}`);
        return JSON.parse(res.body) as { courseId: string; expected: number; completed: number; inProgress: number; notStarted: number; overdue: number }[];
      };
      // Sanity: we measure what we think we measure.
      const rows = await get('/api/statistics/mandatory-compliance');
      const active = employees + batch - Math.floor(employees / 50);
      if (rows.length !== COURSES || rows.some((r) => r.expected !== active || r.completed + r.inProgress + r.notStarted !== active || r.overdue === 0)) {
        throw new Error(`unexpected statistics: ${JSON.stringify(rows.slice(0, 2))}`);
      }
      log(`first course: ${JSON.stringify(rows[0])}`);

      const measure = async (label: string, url: string) => {
        for (let i = 0; i < 3; i++) await get(url);
        const samples: number[] = [];
        const deadline = performance.now() + (quick ? 5_000 : 10_000);
        while (samples.length < 10 || (samples.length < 100 && performance.now() < deadline)) {
          const s = performance.now();
          await get(url);
          samples.push(performance.now() - s);
        }
        const sum = summarize(samples);
        log(`${label}: ${sum.count} requests, p50 ${sum.p50.toFixed(1)} ms, p95 ${sum.p95.toFixed(1)} ms, max ${sum.max.toFixed(1)} ms`);
        results.push(compared(`${label} p95 (${employees.toLocaleString('en')} employees × ${COURSES} courses)`, Math.round(sum.p95 * 10) / 10, 'ms', { name: 'goal', value: GOAL_MS }, { atMost: 1 }));
      };
      await measure('GET /api/statistics/mandatory-compliance', '/api/statistics/mandatory-compliance');
      await measure('… ?department=Department 7', `/api/statistics/mandatory-compliance?department=${encodeURIComponent('Department 7')}`);

      // Onboarding: 1,000 employees without any enrollment yet, one request.
      const ids = await db.selectFrom('employees').select('id').where('id', '>=', employeeId(tag, employees)).where('id', 'like', `${tag}e%`).orderBy('id').execute();
      if (ids.length !== batch) throw new Error(`expected ${batch} fresh employees, found ${ids.length}`);
      const activeIds = ids.map((r) => r.id);
      const s = performance.now();
      const res = await request(`${server.url}/api/employee-onboardings/batch`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ items: activeIds.map((employeeId) => ({ employeeId })) }),
      });
      const ms = performance.now() - s;
      if (res.status !== 201) throw new Error(`onboarding batch answered ${res.status} ${res.body.slice(0, 500)}`);
      const created = JSON.parse(res.body) as { items: { enrolled: unknown[]; assignments: unknown[]; skipped: unknown[] }[] };
      const enrolled = created.items.reduce((a, o) => a + o.enrolled.length, 0);
      const assigned = created.items.reduce((a, o) => a + o.assignments.length, 0);
      log(`onboarding batch: ${created.items.length} onboardings, ${enrolled} enrollments, ${assigned} assignments in ${ms.toFixed(0)} ms`);
      results.push(figure(`POST /api/employee-onboardings/batch, ${batch} employees × ${COURSES} courses`, Math.round(ms), 'ms'));
      results.push(figure('onboarding batch throughput', Math.round((batch / ms) * 1000), 'employees/s'));
      return results;
    } finally {
      await server.close();
    }
  },
});

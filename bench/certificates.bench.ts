/**
 * certificates: how fast certificate PDFs are rendered in a batch.
 *
 *   1. Server side, end to end: a Moderator starts a zip job (POST /api/certificates/zip-jobs) for
 *      a course with 1,000 certificates (200 with --quick) on the real server process; the figure
 *      is certificates per second from the request until the job reports done (rows read in pages,
 *      template and images cached, PDFs rendered on the server's render threads, one per core but
 *      one, and framed into the zip on disk in order). Server CPU time counts those threads too.
 *   2. Renderer only, in this process: the same certificates rendered one after another, with
 *      wall-clock rate and CPU milliseconds per certificate (CPU time is what the machine's load
 *      does not inflate).
 * Goal: ≥ 50 certificates/s for the batch.
 */
import fs from 'node:fs';
import { newId, newSecret } from '../src/server/db/ids.ts';
import { nowIso, today } from '../src/server/db/dialect.ts';
import { renderCertificatePdf, renderTemplateFor, verificationUrl } from '../src/server/lms/certificates/index.ts';
import { request } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';
import { defineBenchmark, figure, type BenchResult } from './lib/types.ts';

const GOAL = 50;

/** CPU milliseconds a process has used so far (Linux /proc), or null where that is not available. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return null;
  }
}
const NAMES = ['Zoë Łukasiewicz', 'Дмитрий Смирнов', 'Ana Peña', 'Søren Ørsted', 'Γιώργος Παπαδόπουλος', 'John Smith', 'Ngozi Okafor', 'Ilse Müller'];

function goalResult(metric: string, value: number): BenchResult {
  return { ...figure(metric, value, 'certificates/s'), goal: `≥ ${GOAL} certificates/s`, ok: value >= GOAL };
}

export default defineBenchmark({
  name: 'certificates',
  description:
    'Certificates rendered per second for a batch of 1,000: a zip job on the real server (end to end) and the renderer alone in-process (wall and CPU ms/certificate). Goal ≥ 50/s.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const batch = quick ? 200 : 1000;
    const server = await startBenchServer(dialect, { log });
    try {
      const { ctx } = server;
      const mod = await server.createUser(['Moderator']);
      const cookie = await server.login(mod);

      // Seed set-based: one course, `batch` members, one certificate each.
      const now = nowIso();
      const courseId = newId();
      await ctx.db
        .insertInto('courses')
        .values({
          id: courseId,
          title: 'Fire Safety and Evacuation Procedures',
          short_introduction: '',
          description: '',
          image_file_id: null,
          category: null,
          tags: '[]',
          published: 1,
          published_at: now,
          mandatory: 1,
          paid: 0,
          price: null,
          currency: null,
          enable_certification: 1,
          certificate_issue_mode: 'auto',
          certificate_template_id: null,
          certificate_validity_months: 24,
          disable_self_enrollment: 0,
          sequential: 0,
          lesson_count: 0,
          created_by: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const issue = today();
      for (let start = 0; start < batch; start += 250) {
        const n = Math.min(250, batch - start);
        const users = Array.from({ length: n }, (_, i) => ({
          id: newId(),
          email: `cert-bench-${start + i}-${newSecret(4).toLowerCase()}@example.test`,
          full_name: `${NAMES[(start + i) % NAMES.length]} ${start + i}`,
          password_hash: null,
          enabled: 1,
          created_at: now,
          updated_at: now,
        }));
        await ctx.db.insertInto('users').values(users).execute();
        await ctx.db
          .insertInto('certificates')
          .values(
            users.map((u) => ({
              id: newId(),
              member_id: u.id,
              course_id: courseId,
              template_id: null,
              issue_date: issue,
              expiry_date: null,
              verification_code: newSecret(15),
              source: 'manual',
              issued_by: null,
              revoked_at: null,
              revoked_by: null,
              revoke_reason: null,
              expiry_notice: null,
              expiry_notice_at: null,
              created_at: now,
            })),
          )
          .execute();
      }
      log(`seeded ${batch} certificates`);

      // Warm-up: the server loads fonts, template and code paths on its first PDFs.
      const first = await ctx.db.selectFrom('certificates').select('id').where('course_id', '=', courseId).executeTakeFirstOrThrow();
      for (let i = 0; i < 3; i++) {
        const r = await request(`${server.url}/api/certificates/${first.id}/pdf`, { headers: { cookie } });
        if (r.status !== 200) throw new Error(`GET /api/certificates/:id/pdf answered ${r.status} ${r.body.slice(0, 200)}`);
      }

      // 1. End to end on the server: the zip job.
      const serverCpu0 = processCpuMs(server.pid);
      const t0 = performance.now();
      const start = await request(`${server.url}/api/certificates/zip-jobs`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ filters: { courseId } }),
      });
      if (start.status !== 202) throw new Error(`POST /api/certificates/zip-jobs answered ${start.status} ${start.body}`);
      const { jobId } = JSON.parse(start.body) as { jobId: string };
      let job = { status: 'queued', processed: 0, total: batch };
      let lastLog = 0;
      const deadline = Date.now() + 600_000;
      while (job.status !== 'done' && job.status !== 'failed') {
        if (Date.now() > deadline) throw new Error('zip job did not finish in 10 minutes');
        await new Promise((r) => setTimeout(r, 100));
        const s = await request(`${server.url}/api/certificates/zip-jobs/${jobId}`, { headers: { cookie } });
        if (s.status !== 200) throw new Error(`GET zip job answered ${s.status}`);
        job = JSON.parse(s.body) as typeof job;
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`  zip job ${job.status}: ${job.processed}/${job.total}`);
        }
      }
      const jobSeconds = (performance.now() - t0) / 1000;
      const serverCpu1 = processCpuMs(server.pid);
      const serverCpuPer = serverCpu0 !== null && serverCpu1 !== null ? (serverCpu1 - serverCpu0) / batch : null;
      if (job.status !== 'done' || job.processed !== batch) throw new Error(`zip job ended ${job.status} with ${job.processed}/${batch}`);
      const dl = await request(`${server.url}/api/certificates/zip-jobs/${jobId}/download`, { headers: { cookie } });
      if (dl.status !== 200) throw new Error(`download answered ${dl.status}`);
      const jobRate = batch / jobSeconds;
      log(
        `zip job: ${batch} certificates in ${jobSeconds.toFixed(1)} s = ${jobRate.toFixed(1)}/s` +
          (serverCpuPer !== null ? `; server CPU ${serverCpuPer.toFixed(1)} ms per certificate` : ''),
      );

      // 2. The renderer alone, in this process.
      const rows = await ctx.db
        .selectFrom('certificates')
        .innerJoin('users', 'users.id', 'certificates.member_id')
        .select(['certificates.id', 'certificates.verification_code', 'certificates.issue_date', 'users.full_name'])
        .where('certificates.course_id', '=', courseId)
        .execute();
      const template = await renderTemplateFor(ctx, ctx.db, null);
      const data = (r: (typeof rows)[number]) => ({
        memberName: r.full_name,
        courseTitle: 'Fire Safety and Evacuation Procedures',
        issueDate: r.issue_date,
        expiryDate: null,
        verificationUrl: verificationUrl(ctx, r.verification_code),
        certificateId: r.id,
      });
      for (const r of rows.slice(0, 5)) await renderCertificatePdf(template, data(r));
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      let bytes = 0;
      for (const r of rows) bytes += (await renderCertificatePdf(template, data(r))).length;
      const wallSeconds = (performance.now() - w0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuMsPer = (cpu.user + cpu.system) / 1000 / rows.length;
      log(`renderer: ${rows.length} in ${wallSeconds.toFixed(1)} s wall, ${cpuMsPer.toFixed(1)} ms CPU each, ${Math.round(bytes / rows.length / 1024)} KB each`);

      return [
        goalResult(`zip job of ${batch} certificates (server, end to end)`, jobRate),
        ...(serverCpuPer !== null
          ? [
              figure('zip job server CPU time per certificate', serverCpuPer, 'ms'),
              figure('zip job rate from server CPU time (1 core, idle machine)', 1000 / serverCpuPer, 'certificates/s'),
            ]
          : []),
        goalResult(`renderer alone, ${rows.length} certificates (wall clock)`, rows.length / wallSeconds),
        figure('renderer CPU time per certificate', cpuMsPer, 'ms'),
        figure('renderer rate from CPU time (1 core, idle machine)', 1000 / cpuMsPer, 'certificates/s'),
      ];
    } finally {
      await server.close();
    }
  },
});

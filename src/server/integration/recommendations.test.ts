import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { courseKit, ok, type Problem } from '../../../test/helpers/courses.ts';
import type { Recommendation } from '../../contract/recommendations.ts';
import { RERANK_TIMEOUT_MS } from './recommendations.ts';

type Rec = Recommendation;

describeDb('recommendations', (env) => {
  const kit = courseKit(env);
  let admin: TestUser;
  let hr: TestUser;
  let seq = 0;

  /** A published course with one lesson, made through the API. */
  async function course(title: string, extra: Record<string, unknown> = {}) {
    admin ??= await env.user(['System Manager']);
    const c = await kit.course(admin, { title, published: true, ...extra });
    const ch = await kit.chapter(admin, c.id);
    const lesson = await kit.lesson(admin, ch.id, { title: `${title}: the lesson` });
    return { id: c.id, title, lessonId: lesson.id };
  }

  /** The member enrolls themself and, when asked, completes the course. */
  async function take(u: TestUser, c: { id: string; lessonId: string }, complete = false) {
    expect((await env.req('POST', `/api/courses/${c.id}/enroll`, { as: u })).statusCode).toBe(201);
    if (complete) expect((await env.req('POST', `/api/lessons/${c.lessonId}/complete`, { as: u })).statusCode).toBe(200);
  }

  /** A user with an employee record in a department, optionally with a designation. */
  async function employee(department: string, designation?: string): Promise<TestUser> {
    hr ??= await env.user(['HR Manager']);
    const u = await env.user([]);
    const res = await env.req('POST', '/api/employees', {
      as: hr,
      body: { employeeCode: `RC-${++seq}`, fullName: `Person ${seq}`, userId: u.id, department, ...(designation ? { designation } : {}) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return u;
  }

  const recommend = (u: TestUser, query = '?limit=20') => ok<Rec[]>(env.req('GET', `/api/me/recommendations${query}`, { as: u }));
  const ids = (recs: Rec[]) => recs.map((r) => r.course.id);
  /** The recommendations among `of`, in the order they came. */
  const among = (recs: Rec[], of: { id: string }[]) => recs.filter((r) => of.some((c) => c.id === r.course.id));

  it('never suggests a course the caller is enrolled in or an unpublished one; every suggestion has a reason', async () => {
    const learner = await env.user(['LMS Student']);
    const mine = await course('Spreadsheet Skills');
    const open = await course('Presentation Skills');
    const draft = await course('Negotiation Draft', { published: false });
    const unpublished = await course('Retired Course');
    await take(learner, unpublished);
    expect((await env.req('PATCH', `/api/courses/${unpublished.id}`, { as: admin, body: { published: false } })).statusCode).toBe(200);
    await take(learner, mine, true);

    for (const who of [learner, admin]) {
      const recs = await recommend(who);
      expect(ids(recs)).toContain(open.id);
      expect(ids(recs)).not.toContain(draft.id);
      expect(ids(recs)).not.toContain(unpublished.id);
      if (who === learner) expect(ids(recs)).not.toContain(mine.id);
      for (const r of recs) {
        expect(r.reason.length).toBeGreaterThan(5);
        expect(r.course.title.length).toBeGreaterThan(0);
      }
    }
    // Enrolling takes a course out of the suggestions.
    await take(learner, open);
    expect(ids(await recommend(learner))).not.toContain(open.id);

    const anonymous = await env.req('GET', '/api/me/recommendations');
    expect(anonymous.statusCode).toBe(401);
    expect(json<Problem>(anonymous).code).toBe('UNAUTHENTICATED');
  });

  it('ranks what colleagues of the same department and designation took, completions weighing more', async () => {
    const budget = await course('Budget Forecasting');
    const audit = await course('Internal Audit Walkthrough');
    const forklift = await course('Forklift Operation');
    const ledger = await course('Ledger Reconciliation');
    const finance = [await employee('Finance'), await employee('Finance'), await employee('Finance')];
    const ops = [await employee('Ops'), await employee('Ops'), await employee('Ops'), await employee('Ops')];
    const opsAccountant = await employee('Ops', 'Accountant');
    // Finance: three took Budget Forecasting (none finished), two took and finished Internal Audit.
    for (const u of finance) await take(u, budget);
    await take(finance[0]!, audit, true);
    await take(finance[1]!, audit, true);
    // Ops: four took Forklift Operation; an accountant there took Ledger Reconciliation.
    for (const u of ops) await take(u, forklift);
    await take(opsAccountant, ledger);

    const accountant = await employee('Finance', 'Accountant');
    const recs = await recommend(accountant);
    const mineOnly = among(recs, [budget, audit, forklift, ledger]);
    expect(mineOnly.map((r) => [r.course.title, r.kind, r.reason])).toEqual([
      ['Internal Audit Walkthrough', 'department', 'Taken by 2 people in Finance'],
      ['Budget Forecasting', 'department', 'Taken by 3 people in Finance'],
      ['Ledger Reconciliation', 'designation', 'Taken by 1 person in your role (Accountant)'],
      ['Forklift Operation', 'popular', 'Popular: taken by 4 people'],
    ]);

    // The other department sees its own colleagues' course first.
    const opsLearner = await employee('Ops');
    const opsRecs = among(await recommend(opsLearner), [budget, audit, forklift, ledger]);
    expect(opsRecs[0]).toMatchObject({ course: { id: forklift.id }, kind: 'department', reason: 'Taken by 4 people in Ops' });
  });

  it('suggests to a learner without an employee record by likeness to their courses and by popularity', async () => {
    const fire = await course('Fire Safety', {
      category: 'Safety',
      tags: ['fire', 'evacuation'],
      shortIntroduction: 'Exits, alarms and extinguishers.',
    });
    const warden = await course('Fire Warden Duties', {
      category: 'Safety',
      tags: ['fire', 'evacuation'],
      shortIntroduction: 'Leading an evacuation.',
    });
    const pivot = await course('Pivot Tables in Depth', { category: 'Office', tags: ['excel'] });
    const lonely = await course('Calligraphy for Beginners', { category: 'Hobbies' });
    for (let i = 0; i < 3; i++) await take(await env.user(), pivot);

    const learner = await env.user(['LMS Student']);
    await take(learner, fire, true);
    const recs = among(await recommend(learner), [warden, pivot, lonely]);
    expect(recs.map((r) => [r.course.title, r.kind, r.reason])).toEqual([
      ['Fire Warden Duties', 'similar', 'Similar to Fire Safety you completed'],
      ['Pivot Tables in Depth', 'popular', 'Popular: taken by 3 people'],
      ['Calligraphy for Beginners', 'catalog', 'New in the catalog'],
    ]);
    expect(recs[0]!.course).toMatchObject({
      category: 'Safety',
      tags: ['fire', 'evacuation'],
      lessonCount: 1,
      mandatory: false,
      imageUrl: null,
    });

    // A designation is matched against course text too.
    const chemist = await employee('Lab', 'Chemist');
    const handling = await course('Chemist Handling of Solvents');
    const role = among(await recommend(chemist), [handling]);
    expect(role[0]).toMatchObject({ kind: 'role', reason: 'Matches your role: Chemist' });
  });

  it('puts mandatory courses not taken yet first', async () => {
    const required = await course('Code of Conduct', { mandatory: true });
    const outsider = await env.user(['LMS Student']);
    const staff = await employee('Finance', 'Clerk');
    const first = (await recommend(staff))[0]!;
    expect(first).toMatchObject({ course: { id: required.id, mandatory: true }, kind: 'mandatory', reason: 'Mandatory for your role' });
    expect((await recommend(outsider))[0]).toMatchObject({ course: { id: required.id }, reason: 'Mandatory training' });
    await take(staff, required);
    expect(ids(await recommend(staff))).not.toContain(required.id);
  });

  it('validates limit: default 8, at most 20; bad values answer 400 and change nothing', async () => {
    const learner = await env.user(['LMS Student']);
    for (let i = 0; i < 9; i++) await course(`Filler ${i}`);
    expect(await recommend(learner, '')).toHaveLength(8);
    expect(await recommend(learner, '?limit=2')).toHaveLength(2);
    const before = {
      enrollments: await env.count('enrollments'),
      audit: await env.count('audit_log'),
      settings: await env.count('settings'),
    };
    for (const q of ['?limit=0', '?limit=21', '?limit=abc', '?limit=2.5', '?limit=-1', '?limit=', '?colour=red']) {
      const res = await env.req('GET', `/api/me/recommendations${q}`, { as: learner });
      expect(res.statusCode, q).toBe(400);
      expect(json<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
    expect({
      enrollments: await env.count('enrollments'),
      audit: await env.count('audit_log'),
      settings: await env.count('settings'),
    }).toEqual(before);
  });

  it('lets an external provider re-order the suggestions, and falls back to the built-in order when it fails', async () => {
    const KEY = 'sk-test-0123456789-secret';
    let mode: 'reverse' | 'partial' | 'garbage' | 'not-chat' | 'error' | 'slow' | 'redirect' | 'huge' = 'reverse';
    const seen: { auth: string | undefined; body: string }[] = [];
    let redirectedTo = 0;
    const provider = http.createServer((req, res) => {
      if (req.url === '/elsewhere') redirectedTo++;
      if (mode === 'redirect' && req.url !== '/elsewhere') {
        // A provider that sends the request on (to an internal address, say) is not followed.
        res.statusCode = 307;
        res.setHeader('location', '/elsewhere');
        res.end();
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (res.writableEnded) return;
        seen.push({ auth: req.headers.authorization, body });
        const request = JSON.parse(body) as { messages: { content: string }[] };
        const sent = (JSON.parse(request.messages[1]!.content) as { candidates: { id: string }[] }).candidates.map((c) => c.id);
        const chat = (content: string) => JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] });
        const answer = () => {
          res.setHeader('content-type', 'application/json');
          if (mode === 'reverse' || mode === 'slow' || mode === 'redirect') res.end(chat(JSON.stringify({ ranking: [...sent].reverse() })));
          else if (mode === 'huge') res.end(chat(JSON.stringify({ ranking: [...sent].reverse() }) + ' '.repeat(3 * 1024 * 1024)));
          else if (mode === 'partial')
            res.end(chat('```json\n' + JSON.stringify({ ranking: [sent[2], 'not-a-course', sent[1]] }) + '\n```'));
          else if (mode === 'garbage') res.end(chat('The third course looks best to me.'));
          else if (mode === 'not-chat') res.end(JSON.stringify({ ranking: sent }));
          else {
            res.statusCode = 500;
            res.end('{"error":"overloaded"}');
          }
        };
        if (mode === 'slow') setTimeout(answer, RERANK_TIMEOUT_MS + 1500);
        else answer();
      });
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1/chat/completions`;
    try {
      const learner = await env.user(['LMS Student'], 'Priya Private');
      await take(learner, await course('Already Mine'));
      const builtIn = ids(await recommend(learner, '?limit=20'));
      expect(builtIn.length).toBeGreaterThan(5);

      // Only a System Manager sets the provider; bad values change nothing; the key never comes back.
      const moderator = await env.user(['Moderator']);
      const settingsBefore = await env.count('settings');
      expect((await env.req('PATCH', '/api/settings', { as: moderator, body: { recommendationApiKey: KEY } })).statusCode).toBe(403);
      const bad = await env.req('PATCH', '/api/settings', {
        as: admin,
        body: { recommendationEndpoint: 'ftp://example.com/x', recommendationApiKey: KEY },
      });
      expect(bad.statusCode).toBe(400);
      expect(json<Problem>(bad).errors?.[0]?.path).toBe('recommendationEndpoint');
      expect(await env.count('settings')).toBe(settingsBefore);
      // The provider here is a local listener: loopback endpoints need SMOOTH_ALLOW_PRIVATE_ENDPOINTS.
      env.config.allowPrivateEndpoints = true;
      const set = await env.req('PATCH', '/api/settings', {
        as: admin,
        body: { recommendationEndpoint: endpoint, recommendationModel: 'ranker-1', recommendationApiKey: KEY },
      });
      expect(set.statusCode, set.body).toBe(200);
      for (const res of [
        set,
        await env.req('GET', '/api/settings', { as: learner }),
        await env.req('GET', '/api/audit-log?entity=settings', { as: admin }),
      ]) {
        expect(res.body).not.toContain(KEY);
      }
      // Where the provider lives is for System Managers; others see that a key is set, nothing more.
      expect(json(await env.req('GET', '/api/settings', { as: admin }))).toMatchObject({
        recommendationEndpoint: endpoint,
        recommendationModel: 'ranker-1',
        recommendationApiKey: { set: true },
      });
      expect(json(await env.req('GET', '/api/settings', { as: learner }))).toMatchObject({
        recommendationEndpoint: null,
        recommendationModel: null,
        recommendationApiKey: { set: true },
      });
      const withCredentials = await env.req('PATCH', '/api/settings', { as: admin, body: { recommendationEndpoint: 'https://user:secret@example.com/v1/chat' } });
      expect(withCredentials.statusCode).toBe(400);
      expect(json<Problem>(withCredentials).errors?.[0]?.path).toBe('recommendationEndpoint');

      // A good answer re-orders; the provider got the key, the model and the built-in shortlist, and nothing that names the learner.
      const reordered = ids(await recommend(learner, '?limit=5'));
      expect(seen).toHaveLength(1);
      expect(seen[0]!.auth).toBe(`Bearer ${KEY}`);
      const sentBody = JSON.parse(seen[0]!.body) as { model: string; messages: { content: string }[] };
      expect(sentBody.model).toBe('ranker-1');
      const sent = (JSON.parse(sentBody.messages[1]!.content) as { candidates: { id: string; builtInReason: string }[] }).candidates;
      expect(sent.map((c) => c.id)).toEqual(builtIn);
      expect(sent.every((c) => c.builtInReason.length > 0)).toBe(true);
      expect(seen[0]!.body).not.toContain(learner.email);
      expect(seen[0]!.body).not.toContain('Priya');
      expect(reordered).toEqual([...builtIn].reverse().slice(0, 5));

      // Ids it names come first (unknown ones ignored), the rest keep the built-in order.
      mode = 'partial';
      expect(ids(await recommend(learner, '?limit=4'))).toEqual([builtIn[2], builtIn[1], builtIn[0], builtIn[3]]);

      // Nonsense, not a chat completion, a server error, too slow, or an answer too large: the built-in order answers.
      for (const m of ['garbage', 'not-chat', 'error', 'slow', 'huge'] as const) {
        mode = m;
        const calls = seen.length;
        const res = await env.req('GET', '/api/me/recommendations?limit=20', { as: learner });
        expect(res.statusCode, m).toBe(200);
        expect(ids(json<Rec[]>(res)), m).toEqual(builtIn);
        expect(seen.length, m).toBe(calls + 1);
      }

      // A redirect is not followed.
      mode = 'redirect';
      expect(ids(await recommend(learner, '?limit=20'))).toEqual(builtIn);
      expect(redirectedTo).toBe(0);

      // Removing the key turns the provider off.
      mode = 'reverse';
      const cleared = await env.req('PATCH', '/api/settings', { as: admin, body: { recommendationApiKey: null } });
      expect(json(cleared)).toMatchObject({ recommendationApiKey: { set: false } });
      const calls = seen.length;
      expect(ids(await recommend(learner, '?limit=20'))).toEqual(builtIn);
      expect(seen.length).toBe(calls);
    } finally {
      env.config.allowPrivateEndpoints = false;
      provider.closeAllConnections();
      await new Promise((r) => provider.close(r));
    }
  }, 30_000);

  it('refuses private endpoints, and an endpoint change without a new key drops the stored key', async () => {
    const KEY = 'sk-live-abcdef-do-not-leak';
    admin ??= await env.user(['System Manager']);
    const learner = await env.user(['LMS Student']);
    await course('Something To Suggest');
    const heard: { url: string | undefined; auth: string | undefined }[] = [];
    const listener = http.createServer((req, res) => {
      heard.push({ url: req.url, auth: req.headers.authorization });
      req.resume();
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as AddressInfo).port;
    try {
      // Loopback, private, link-local and mapped addresses are refused without the variable; nothing is written.
      const before = { settings: await env.count('settings'), audit: await env.count('audit_log') };
      for (const endpoint of [
        `http://127.0.0.1:${port}/v1/chat`,
        'http://localhost/v1/chat',
        'http://10.1.2.3/v1/chat',
        'http://192.168.0.10/v1/chat',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/v1/chat',
        'http://[::ffff:127.0.0.1]/v1/chat',
        'http://[fd00::1]/v1/chat',
      ]) {
        const res = await env.req('PATCH', '/api/settings', { as: admin, body: { recommendationEndpoint: endpoint, recommendationApiKey: KEY } });
        expect(res.statusCode, endpoint).toBe(400);
        expect(json<Problem>(res).code, endpoint).toBe('VALIDATION_FAILED');
        expect(json<Problem>(res).errors?.[0]?.path, endpoint).toBe('recommendationEndpoint');
      }
      expect({ settings: await env.count('settings'), audit: await env.count('audit_log') }).toEqual(before);

      // The operator allows private endpoints; a provider is set with its key.
      env.config.allowPrivateEndpoints = true;
      const set = await env.req('PATCH', '/api/settings', {
        as: admin,
        body: { recommendationEndpoint: `http://127.0.0.1:${port}/real-provider`, recommendationApiKey: KEY },
      });
      expect(set.statusCode, set.body).toBe(200);
      // Only the endpoint changes (to a listener of someone's choosing): the stored key is dropped with it.
      const moved = await env.req('PATCH', '/api/settings', { as: admin, body: { recommendationEndpoint: `http://127.0.0.1:${port}/attacker` } });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(json(moved)).toMatchObject({ recommendationApiKey: { set: false } });
      expect((await env.req('GET', '/api/me/recommendations', { as: learner })).statusCode).toBe(200);
      expect(heard).toEqual([]);
      // A new endpoint with a new key in the same patch keeps that key; the same endpoint again keeps it too.
      const both = await env.req('PATCH', '/api/settings', {
        as: admin,
        body: { recommendationEndpoint: `http://127.0.0.1:${port}/other-provider`, recommendationApiKey: 'sk-new-key-1' },
      });
      expect(json(both)).toMatchObject({ recommendationApiKey: { set: true } });
      const same = await env.req('PATCH', '/api/settings', { as: admin, body: { recommendationEndpoint: `http://127.0.0.1:${port}/other-provider` } });
      expect(json(same)).toMatchObject({ recommendationApiKey: { set: true } });
      expect((await env.req('GET', '/api/me/recommendations', { as: learner })).statusCode).toBe(200);
      expect(heard).toEqual([{ url: '/other-provider', auth: 'Bearer sk-new-key-1' }]);

      // Set while allowed, then the variable goes away: the learner's request no longer reaches the address.
      env.config.allowPrivateEndpoints = false;
      expect((await env.req('GET', '/api/me/recommendations', { as: learner })).statusCode).toBe(200);
      expect(heard).toHaveLength(1);
      expect(JSON.stringify(heard)).not.toContain(KEY);
    } finally {
      env.config.allowPrivateEndpoints = false;
      await env.req('PATCH', '/api/settings', { as: admin, body: { recommendationEndpoint: null, recommendationApiKey: null } });
      listener.closeAllConnections();
      await new Promise((r) => listener.close(r));
    }
  }, 30_000);
});

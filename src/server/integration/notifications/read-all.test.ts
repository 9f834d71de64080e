import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { newId } from '../../db/ids.ts';

/** `n` notifications for the user, oldest first (ids sort by creation); answers their ids. */
async function notify(env: TestEnv, user: TestUser, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId();
    ids.push(id);
    await env.ctx.db
      .insertInto('notifications')
      .values({ id, user_id: user.id, kind: 'enrolled', title: `Note ${i + 1}`, body: '', link: null, dedupe_key: `read-all:${id}`, created_at: new Date().toISOString() })
      .execute();
  }
  return ids;
}

async function unread(env: TestEnv, user: TestUser): Promise<number> {
  return json<{ count: number }>(await env.req('GET', '/api/me/notifications/unread-count', { as: user })).count;
}

describeDb('notifications: mark all as read (POST /api/me/notifications/read-all)', (env) => {
  it('marks the caller’s unread notifications up to the newest they saw; later ones and other people’s stay new', async () => {
    const me = await env.user();
    const other = await env.user();
    const seen = await notify(env, me, 3);
    const later = await notify(env, me, 1);
    await notify(env, other, 2);
    const res = await env.req('POST', '/api/me/notifications/read-all', { as: me, body: { upTo: seen[2] } });
    expect([res.statusCode, json(res)]).toEqual([200, { marked: 3 }]);
    expect(await unread(env, me)).toBe(1);
    const mine = json<{ items: { id: string; readAt: string | null }[] }>(await env.req('GET', '/api/me/notifications?unread=true', { as: me }));
    expect(mine.items.map((n) => n.id)).toEqual(later);
    expect(await unread(env, other)).toBe(2);

    // Without upTo: every unread one; again: nothing left to mark.
    expect(json(await env.req('POST', '/api/me/notifications/read-all', { as: me, body: {} }))).toEqual({ marked: 1 });
    expect(json(await env.req('POST', '/api/me/notifications/read-all', { as: me, body: {} }))).toEqual({ marked: 0 });
    expect(await unread(env, me)).toBe(0);
  });

  it('two tabs at once mark each notification once; bad input and no session change nothing', async () => {
    const me = await env.user();
    await notify(env, me, 5);
    const both = await Promise.all([1, 2].map(() => env.req('POST', '/api/me/notifications/read-all', { as: me, body: {} })));
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both.map((r) => json<{ marked: number }>(r).marked).reduce((a, b) => a + b, 0)).toBe(5);

    const other = await env.user();
    await notify(env, other, 2);
    for (const [body, as] of [
      [{ upTo: "1' or '1'='1" }, other],
      [{ upTo: 42 }, other],
      [{ everything: true }, other],
      [{}, undefined],
    ] as const) {
      const res = await env.req('POST', '/api/me/notifications/read-all', { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(as ? 400 : 401);
    }
    expect(await unread(env, other)).toBe(2);
  });
});

import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeMigration, failure } from '../../../../test/helpers/migration.ts';

const T = (n: number) => `2026-11-0${n}T09:00:00.000Z`;

describeMigration(
  'migration 0036: course prices in minor units, one pending payment per member and item, refund claims',
  '0033-password-links',
  async (db) => {
    await sql`insert into users (id, email, full_name, created_at, updated_at) values ('u1', 'ann@example.com', 'Ann', ${T(1)}, ${T(1)})`.execute(db);
    const course = (id: string, price: string | null, currency: string | null) =>
      sql`insert into courses (id, title, published, paid, price, currency, created_at, updated_at)
        values (${id}, ${`Course ${id}`}, 1, 1, ${price === null ? null : sql.raw(price)}, ${currency}, ${T(1)}, ${T(1)})`.execute(db);
    await course('c_eur', '12.34', 'EUR');
    await course('c_float', '0.29', 'EUR');
    await course('c_max', '9999999999.99', 'USD');
    await course('c_jpy', '4900', 'JPY');
    await course('c_kwd', '1.23', 'KWD');
    await course('c_nocur', '5.5', null);
    await course('c_none', null, null);
    await sql`insert into coupons (id, code, percent_off, max_uses, uses, created_at) values ('k1', 'TEN', 10, 5, 2, ${T(1)})`.execute(db);
    const payment = (id: string, courseId: string, status: string, at: string, couponId: string | null) =>
      sql`insert into payments (id, member_id, course_id, amount, currency, coupon_id, status, gateway, created_at, updated_at)
        values (${id}, 'u1', ${courseId}, 1234, 'EUR', ${couponId}, ${status}, 'manual', ${at}, ${at})`.execute(db);
    // Two pending checkouts of one course by one member (each took a coupon use), and a paid one.
    await payment('p_old', 'c_eur', 'pending', T(1), 'k1');
    await payment('p_new', 'c_eur', 'pending', T(2), 'k1');
    await payment('p_paid', 'c_eur', 'paid', T(3), null);
    await payment('p_other', 'c_jpy', 'pending', T(1), null);
  },
  (m) => {
    it('converts every stored price exactly, as checkout charged it (12.34 EUR → 1234, 4900 JPY → 4900, 1.23 KWD → 1230)', async ({ skip }) => {
      if (!m.ready) skip();
      const rows = (await sql<{ id: string; price: number | string | null }>`select id, price from courses order by id`.execute(m.db)).rows;
      expect(rows.map((r) => [r.id, r.price === null ? null : Number(r.price)])).toEqual([
        ['c_eur', 1234],
        ['c_float', 29],
        ['c_jpy', 4900],
        ['c_kwd', 1230],
        ['c_max', 999999999999],
        ['c_nocur', 550],
        ['c_none', null],
      ]);
      for (const r of rows) if (r.price !== null) expect(Number.isInteger(Number(r.price)), r.id).toBe(true);
    });

    it('declares the price an integer column and keeps refusing a negative one', async ({ skip }) => {
      if (!m.ready) skip();
      if (m.dialect === 'postgres') {
        const t = await sql<{ data_type: string }>`select data_type from information_schema.columns where table_name = 'courses' and column_name = 'price'`.execute(m.db);
        expect(t.rows[0]!.data_type).toBe('bigint');
      } else {
        const t = await sql<{ type: string }>`select type from pragma_table_info('courses') where name = 'price'`.execute(m.db);
        expect(t.rows[0]!.type.toLowerCase()).toBe('integer');
        // SQLite would keep a fraction in an integer column: the check refuses it.
        expect(await failure(sql`update courses set price = 12.5 where id = 'c_eur'`.execute(m.db))).toBeTruthy();
      }
      expect(await failure(sql`update courses set price = -1 where id = 'c_eur'`.execute(m.db))).toBeTruthy();
      const kept = await sql<{ n: number }>`select count(*) as n from courses`.execute(m.db);
      expect(Number(kept.rows[0]!.n)).toBe(7);
    });

    it('keeps the newest pending payment of a member for a course, expires the older one and gives its coupon use back', async ({ skip }) => {
      if (!m.ready) skip();
      const rows = (await sql<{ id: string; status: string }>`select id, status from payments order by id`.execute(m.db)).rows;
      expect(rows).toEqual([
        { id: 'p_new', status: 'pending' },
        { id: 'p_old', status: 'expired' },
        { id: 'p_other', status: 'pending' },
        { id: 'p_paid', status: 'paid' },
      ]);
      const k = await sql<{ uses: number }>`select uses from coupons where id = 'k1'`.execute(m.db);
      expect(Number(k.rows[0]!.uses)).toBe(1);
    });

    it('refuses a second pending payment of a member for one course; other statuses may repeat', async ({ skip }) => {
      if (!m.ready) skip();
      const insert = (id: string, status: string) =>
        sql`insert into payments (id, member_id, course_id, amount, currency, status, gateway, created_at, updated_at)
          values (${id}, 'u1', 'c_eur', 1234, 'EUR', ${status}, 'manual', ${T(4)}, ${T(4)})`.execute(m.db);
      expect(await failure(insert('p_dup', 'pending'))).toBeTruthy();
      await insert('p_failed', 'failed');
      const n = await sql<{ n: number }>`select count(*) as n from payments where course_id = 'c_eur' and status = 'pending'`.execute(m.db);
      expect(Number(n.rows[0]!.n)).toBe(1);
    });
  },
);

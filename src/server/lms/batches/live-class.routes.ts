import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams } from '../../../contract/common.ts';
import { AttendanceBody, AttendanceSchema, CalendarFeedSchema, CalendarTokenParams, LiveClassBody, LiveClassSchema, UpdateLiveClassBody } from '../../../contract/batches.ts';
import {
  batchCalendar,
  calendarFeedState,
  createLiveClass,
  deleteLiveClass,
  listLiveClasses,
  personalCalendar,
  renewCalendarFeed,
  revokeCalendarFeed,
  setAttendance,
  updateLiveClass,
} from './live-class.service.ts';

const tags = ['batches'];
const Ics = z.any().describe('text/calendar');
const CALENDAR_TYPE = 'text/calendar; charset=utf-8';

/** Live classes, attendance and the RFC 5545 calendar feeds. */
export function registerLiveClassRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/batches/:id/live-classes',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Schedule a live class (the batch’s instructors and managers)',
        description: 'joinUrl is the meeting link of any tool (http or https).',
        params: IdParams,
        body: LiveClassBody,
        response: { 201: LiveClassSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createLiveClass(ctx, actorOf(req), req.params.id, req.body, req.id)),
  );

  app.get(
    '/api/batches/:id/live-classes',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'The batch’s live classes in time order (members and staff)', params: IdParams, response: { 200: z.array(LiveClassSchema) } },
    },
    async (req) => listLiveClasses(ctx, actorOf(req), req.params.id),
  );

  app.patch(
    '/api/live-classes/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'Change a live class (its calendar UID stays; SEQUENCE rises)', params: IdParams, body: UpdateLiveClassBody, response: { 200: LiveClassSchema } },
    },
    async (req) => updateLiveClass(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.delete(
    '/api/live-classes/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'Cancel a live class', params: IdParams },
    },
    async (req, reply) => {
      await deleteLiveClass(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/api/live-classes/:id/attendance',
    {
      config: { access: 'authenticated', problems: ['CLASS_NOT_STARTED'] },
      schema: {
        tags,
        summary: 'Take attendance: the members present (replaces the previous list)',
        params: IdParams,
        body: AttendanceBody,
        response: { 200: AttendanceSchema },
      },
    },
    async (req) => setAttendance(ctx, actorOf(req), req.params.id, req.body.presentMemberIds, req.id),
  );

  app.get(
    '/api/batches/:id/calendar.ics',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'The batch’s live classes as an RFC 5545 calendar (members and staff)', params: IdParams, response: { 200: Ics } },
    },
    async (req, reply) => reply.type(CALENDAR_TYPE).header('Cache-Control', 'private, no-store').send(await batchCalendar(ctx, actorOf(req), req.params.id)),
  );

  app.get(
    '/api/me/calendar-feed',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'Whether the caller has a personal calendar feed (its secret address is shown only when made)', response: { 200: CalendarFeedSchema } },
    },
    async (req) => calendarFeedState(ctx, actorOf(req)),
  );

  app.post(
    '/api/me/calendar-feed',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Make or renew the caller’s personal calendar feed: a secret address calendar apps subscribe to',
        description: 'Renewing replaces the secret: the old address stops working.',
        response: { 201: CalendarFeedSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await renewCalendarFeed(ctx, actorOf(req), req.id)),
  );

  app.delete(
    '/api/me/calendar-feed',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'Revoke the caller’s personal calendar feed' },
    },
    async (req, reply) => {
      await revokeCalendarFeed(ctx, actorOf(req), req.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/calendar/:token/live-classes.ics',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'A personal calendar feed: the live classes of the batches its owner belongs to or teaches',
        description: 'The secret in the address is the credential (calendar apps send no login). 404 when unknown or revoked.',
        params: CalendarTokenParams,
        response: { 200: Ics },
      },
    },
    async (req, reply) => reply.type(CALENDAR_TYPE).header('Cache-Control', 'private, no-store').send(await personalCalendar(ctx, req.params.token)),
  );
}



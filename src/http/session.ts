/**
 * Browser sessions for the two surfaces (patient web app, staff console), each with its own cookie.
 * The cookie holds a random id; everything else stays in the store (store/web-sessions.ts).
 */
import type { Request, Response } from 'express';
import type { Db } from '../store/db.ts';
import { createWebSession, deleteWebSession, findWebSession, updateWebSessionData, type SessionSurface, type WebSession } from '../store/web-sessions.ts';
import { clearCookie, cookieName, setCookie } from './cookies.ts';

export interface SessionManager {
  load(req: Request): Promise<WebSession | undefined>;
  /** Starts a new session (a new id: never reuse a pre-sign-in id after sign-in, against session fixation). */
  start(res: Response, accountId: string | null, data: Record<string, unknown>): Promise<void>;
  save(session: WebSession, data: Record<string, unknown>): Promise<void>;
  end(req: Request, res: Response, session?: WebSession): Promise<void>;
}

export function createSessionManager(options: { db: Db; surface: SessionSurface; secure: boolean; idleMs: number; maxMs: number; now: () => Date }): SessionManager {
  const name = cookieName(options.surface === 'staff' ? 'puente_staff' : 'puente_sid', options.secure);
  return {
    async load(req) {
      const id = req.cookies[name];
      if (!id) return undefined;
      return findWebSession(options.db, id, options.surface, { idleMs: options.idleMs, now: options.now() });
    },
    async start(res, accountId, data) {
      const id = await createWebSession(options.db, { accountId, surface: options.surface, data, maxMs: options.maxMs, now: options.now() });
      setCookie(res, name, id, options.secure);
    },
    save: (session, data) => updateWebSessionData(options.db, session.idHash, data),
    async end(req, res, session) {
      const current = session ?? (await this.load(req));
      if (current) await deleteWebSession(options.db, current.idHash);
      clearCookie(res, name, options.secure);
    },
  };
}

/** A same-site path to return to after sign-in; anything else becomes the home page (no open redirect). */
export const safeReturnPath = (value: unknown): string => (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/');

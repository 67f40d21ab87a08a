import { expect } from 'chai';
import type { Request, Response } from 'express';
import { Agent } from 'undici';
import { SignInRequired } from '../../../src/core/errors.ts';
import type { SessionManager } from '../../../src/http/session.ts';
import type { WebSession } from '../../../src/store/web-sessions.ts';
import { recordWriterFor, type RecordSessionDeps } from '../../../src/web/record-session.ts';
import type { WebClient } from '../../../src/web/web-client.ts';

/**
 * The messages pages' session (src/web/record-session.ts): one load of the session gives the record client, the
 * writer, the reader and the signed-in account, so a page asks the store for its session once.
 */
describe('the signed-in visitor’s record session', () => {
  const tokens = { accessToken: 'at', refreshToken: undefined, expiresAt: Date.now() + 3600_000, patient: 'p1', accountId: 'a1', fhirUser: 'RelatedPerson/r1' };
  const depsWith = (session: WebSession | undefined) => {
    let loads = 0;
    const sessions: SessionManager = {
      load: async () => {
        loads++;
        return session;
      },
      start: async () => undefined,
      save: async () => undefined,
      end: async () => undefined,
    };
    const deps: RecordSessionDeps = { sessions, webClient: {} as WebClient, fhirBase: 'https://portal.test/fhir', timeoutMs: 1000, http: new Agent() };
    return { deps, loads: () => loads };
  };
  const req = {} as Request;
  const res = {} as Response;

  it('gives the reader and the account from one session load', async () => {
    const { deps, loads } = depsWith({ idHash: Buffer.from('h'), accountId: 'a1', surface: 'patient', data: { tokens } });
    const session = await recordWriterFor(req, res, deps);
    expect(session.accountId).to.equal('a1');
    expect(session.reader).to.equal('RelatedPerson/r1');
    expect(session.record.patient).to.equal('p1');
    expect(loads()).to.equal(1);
  });

  it('asks to sign in when the session has no account or no token', async () => {
    for (const session of [
      undefined,
      { idHash: Buffer.from('h'), accountId: null, surface: 'patient', data: { tokens } },
      { idHash: Buffer.from('h'), accountId: 'a1', surface: 'patient', data: {} },
    ] as const) {
      const { deps } = depsWith(session as WebSession | undefined);
      expect(await recordWriterFor(req, res, deps).catch((error: unknown) => error)).to.be.instanceOf(SignInRequired);
    }
  });
});

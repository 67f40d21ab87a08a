import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import nock from 'nock';
import { compactDecrypt } from 'jose';
import type { AuditEvent } from '@medplum/fhirtypes';
import { migratedMemoryStore } from '../../../../support/memory-store.ts';
import type { Db } from '../../../../../src/store/db.ts';
import { createShareLink, passcodeAttemptsLimit, ShareLinkRefused, type CreateShareLinkInput } from '../../../../../src/export/transmit/share-links/create-share-link.ts';
import { encryptShareFile } from '../../../../../src/export/transmit/share-links/encrypt-file.ts';
import { openManifest, manifestRateLimits, type ShareLinkServeDeps } from '../../../../../src/export/transmit/share-links/manifest.ts';
import { listShareLinks } from '../../../../../src/export/transmit/share-links/list-share-links.ts';
import { revokeAllShareLinks, revokeShareLink } from '../../../../../src/export/transmit/share-links/revoke-share-link.ts';
import { createShlRouter } from '../../../../../src/web/shl-router.ts';

const hour = 60 * 60 * 1000;
const day = 24 * hour;
const pdf = Buffer.from('%PDF-1.7\n% a small test PDF\n%%EOF\n');
const ccd = '<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>CCD</title></ClinicalDocument>';
const fhir = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] });

interface Payload {
  url: string;
  key: string;
  exp: number;
  flag: string;
  label: string;
  v: number;
}

const payloadOf = (link: string): Payload => {
  const [, encoded] = link.split('#shlink:/');
  return JSON.parse(Buffer.from(encoded!, 'base64url').toString('utf8')) as Payload;
};

describe('share links (SMART Health Links)', function () {
  this.timeout(60_000);
  let db: Db;
  let server: Server;
  let base: string;
  let clock = new Date('2026-12-02T18:00:00Z');
  let deps: ShareLinkServeDeps;
  let seq = 0;

  const create = (overrides: Partial<CreateShareLinkInput> = {}) =>
    createShareLink(
      { db, publicUrl: deps.publicUrl, now: () => clock },
      {
        patient: 'Patient/p1',
        createdBy: 'Patient/p1',
        label: 'Dra. Rivera',
        passcode: 'open-sesame',
        expiresAt: new Date(clock.getTime() + 14 * day),
        files: [
          { contentType: 'application/pdf', body: pdf },
          { contentType: 'application/xml', body: ccd },
          { contentType: 'application/fhir+json', body: fhir },
        ],
        what: { range: 'all', formats: ['pdf', 'ccd', 'fhir'] },
        clientAddress: '10.0.0.1',
        portalName: 'Clinic',
        formats: ['summary PDF', 'C-CDA R2.1 CCD', 'FHIR R4 Bundle'],
        ...overrides,
      },
    );

  const post = async (url: string, body: unknown) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    nock.enableNetConnect('127.0.0.1');
    db = await migratedMemoryStore();
    const app = express();
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    deps = { db, publicUrl: new URL(base), secretKeys: ['a-test-secret-key-of-at-least-32-characters'], portalName: 'Clinic', now: () => clock };
    app.use(createShlRouter(deps));
  });
  after(async () => {
    server.close();
    nock.disableNetConnect();
    await db.close();
  });
  // Each test starts in a fresh rate-limit window.
  beforeEach(() => {
    clock = new Date(clock.getTime() + 11 * 60_000);
    seq += 1;
  });

  it('makes a P-flag link whose payload names a short manifest URL with 256 random bits and a 256-bit key', async () => {
    const expiresAt = new Date(clock.getTime() + 14 * day + 1234);
    const { id, link } = await create({ expiresAt, label: '  Dra. Rivera  ' });
    expect(link.startsWith(`${base}s#shlink:/`)).to.equal(true);
    const payload = payloadOf(link);
    expect(Object.keys(payload).sort()).to.deep.equal(['exp', 'flag', 'key', 'label', 'url', 'v']);
    expect(payload.url).to.equal(`${base}shl/${id}`);
    expect(payload.url.length).to.be.at.most(128);
    expect(Buffer.from(id, 'base64url')).to.have.length(32);
    expect(id).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.key).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(payload.key, 'base64url')).to.have.length(32);
    expect(payload.flag).to.equal('P');
    expect(payload.flag).not.to.include('U');
    expect(payload.exp).to.equal(Math.floor(expiresAt.getTime() / 1000));
    expect(payload.label).to.equal('Dra. Rivera');
    expect(payload.v).to.equal(1);
    // The key is nowhere in the store.
    const stored = await db.query('SELECT l.*, f.jwe FROM share_links l JOIN share_link_files f ON f.link_id = l.id WHERE l.id = $1', [id]);
    expect(JSON.stringify(stored.rows)).not.to.include(payload.key);
    expect(JSON.stringify(stored.rows)).not.to.include('open-sesame');
  });

  it('serves a manifest whose files each decrypt on their own with jose (dir, A256GCM, cty)', async () => {
    const { link } = await create();
    const payload = payloadOf(link);
    const answer = await post(payload.url, { recipient: 'Dr. Ana Rivera', passcode: 'open-sesame' });
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('access-control-allow-origin')).to.equal('*');
    expect(answer.headers.get('cache-control')).to.equal('no-store');
    const files = answer.body['files'] as { contentType: string; embedded: string }[];
    expect(files.map((f) => f.contentType)).to.deep.equal(['application/pdf', 'application/xml', 'application/fhir+json']);
    const key = Buffer.from(payload.key, 'base64url');
    const bodies = [pdf.toString('latin1'), ccd, fhir];
    for (const [i, file] of files.entries()) {
      const { plaintext, protectedHeader } = await compactDecrypt(file.embedded, key);
      expect(protectedHeader).to.deep.equal({ alg: 'dir', enc: 'A256GCM', cty: file.contentType });
      expect(Buffer.from(plaintext).toString('latin1')).to.equal(bodies[i]);
    }
  });

  it('never repeats an IV: the same file encrypted twice, in one link or by two calls', async () => {
    const { link } = await create({
      files: [
        { contentType: 'application/xml', body: ccd },
        { contentType: 'application/xml', body: ccd },
      ],
    });
    const answer = await post(payloadOf(link).url, { recipient: 'Dr. B', passcode: 'open-sesame' });
    const [a, b] = (answer.body['files'] as { embedded: string }[]).map((f) => f.embedded.split('.'));
    expect(a![2]).to.not.equal(b![2]);
    expect(a![3]).to.not.equal(b![3]);
    const key = new Uint8Array(32).fill(7);
    const ivs = await Promise.all([1, 2, 3].map(async () => (await encryptShareFile(key, { contentType: 'application/xml', body: ccd })).split('.')[2]));
    expect(new Set(ivs).size).to.equal(3);
  });

  it('counts wrong passcodes down with remainingAttempts, then disables the link (404 even with the right passcode)', async () => {
    const { link } = await create();
    const { url } = payloadOf(link);
    const remaining: unknown[] = [];
    for (let i = 0; i < passcodeAttemptsLimit; i++) {
      const answer = await post(url, { recipient: 'Mallory', passcode: `wrong-${i}` });
      expect(answer.status).to.equal(401);
      remaining.push(answer.body['remainingAttempts']);
    }
    expect(remaining).to.deep.equal([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect((await post(url, { recipient: 'Dr. Ana Rivera', passcode: 'open-sesame' })).status).to.equal(404);
    expect((await post(url, { recipient: 'Mallory', passcode: 'wrong-again' })).status).to.equal(404);
    expect((await listShareLinks(db, 'Patient/p1', clock))[0]!.status).to.equal('disabled');
  });

  it('never lets concurrent wrong guesses take more than the attempts left', async () => {
    const { id } = await create();
    const answers = await Promise.all(
      Array.from({ length: passcodeAttemptsLimit + 3 }, (_, i) => openManifest(deps, { id, recipient: 'Mallory', passcode: `guess-${i}`, clientAddress: `10.1.${seq}.${i}` })),
    );
    const refused = answers.filter((a) => a.status === 401) as { remainingAttempts: number }[];
    expect(refused.map((a) => a.remainingAttempts).sort((x, y) => x - y)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(answers.filter((a) => a.status === 404)).to.have.length(3);
    const row = await db.query<{ attempts_left: number }>('SELECT attempts_left FROM share_links WHERE id = $1', [id]);
    expect(row.rows[0]!.attempts_left).to.equal(0);
  });

  it('answers a missing passcode with 401 and the attempts left, without using one', async () => {
    const { link } = await create();
    const answer = await post(payloadOf(link).url, { recipient: 'Dr. B' });
    expect(answer).to.deep.include({ status: 401, body: { error: 'passcode_required', remainingAttempts: passcodeAttemptsLimit } });
  });

  it('answers 404 for expired, revoked and unknown links alike', async () => {
    const expiring = await create({ expiresAt: new Date(clock.getTime() + hour) });
    const revoked = await create();
    const right = { recipient: 'Dr. B', passcode: 'open-sesame' };
    // Another patient cannot revoke it.
    expect(await revokeShareLink(db, { patient: 'Patient/p2', id: revoked.id, actor: 'Patient/p2', clientAddress: '10.0.0.2', portalName: 'Clinic' })).to.equal(false);
    expect((await post(payloadOf(revoked.link).url, right)).status).to.equal(200);
    expect(await revokeShareLink(db, { patient: 'Patient/p1', id: revoked.id, actor: 'RelatedPerson/r1', clientAddress: '10.0.0.2', portalName: 'Clinic' })).to.equal(true);
    expect(await revokeShareLink(db, { patient: 'Patient/p1', id: revoked.id, actor: 'Patient/p1', clientAddress: '10.0.0.2', portalName: 'Clinic' })).to.equal(false);
    const revokedAnswer = await post(payloadOf(revoked.link).url, right);
    clock = new Date(clock.getTime() + hour + 1000);
    const expiredAnswer = await post(payloadOf(expiring.link).url, right);
    const unknownAnswer = await post(`${base}shl/${'A'.repeat(43)}`, right);
    const malformedAnswer = await post(`${base}shl/not-an-id`, right);
    for (const answer of [revokedAnswer, expiredAnswer, unknownAnswer, malformedAnswer]) expect(answer).to.deep.include({ status: 404, body: { error: 'not_found' } });
    const statuses = Object.fromEntries((await listShareLinks(db, 'Patient/p1', clock)).map((l) => [l.id, l.status]));
    expect(statuses[revoked.id]).to.equal('revoked');
    expect(statuses[expiring.id]).to.equal('expired');
    const audit = await db.query<{ resource: AuditEvent }>(`SELECT resource FROM audit_events WHERE resource->'subtype'->0->>'code' = 'share-link-revoked'`);
    expect(audit.rows.map((r) => r.resource.agent?.[0]?.who?.reference)).to.deep.equal(['RelatedPerson/r1']);
  });

  it('hands out location URLs for files longer than embeddedLengthMax: valid one hour, dead with revocation', async () => {
    const { id, link } = await create({
      files: [
        { contentType: 'application/pdf', body: pdf },
        { contentType: 'application/xml', body: ccd },
      ],
    });
    const payload = payloadOf(link);
    const key = Buffer.from(payload.key, 'base64url');
    const answer = await post(payload.url, { recipient: 'Dr. B', passcode: 'open-sesame', embeddedLengthMax: 0 });
    const files = answer.body['files'] as { contentType: string; location: string }[];
    expect(files).to.have.length(2);
    for (const file of files) {
      expect(file.location.startsWith(`${payload.url}/file/`)).to.equal(true);
      expect(file.location.length).to.be.lessThan(200);
      const got = await fetch(file.location);
      expect(got.status).to.equal(200);
      expect(got.headers.get('content-type')).to.match(/^application\/jose/);
      expect(got.headers.get('access-control-allow-origin')).to.equal('*');
      const { protectedHeader } = await compactDecrypt(await got.text(), key);
      expect(protectedHeader.cty).to.equal(file.contentType);
    }
    // A ticket names its link and position: moved to another link, or altered, it is refused.
    const other = await create();
    const ticket = files[0]!.location.split('/').pop()!;
    expect((await fetch(`${base}shl/${other.id}/file/${ticket}`)).status).to.equal(404);
    expect((await fetch(`${base}shl/${id}/file/1.${ticket.split('.').slice(1).join('.')}`)).status).to.equal(404);
    // Altered one character before the end: the last base64url character also carries padding bits a decoder may ignore.
    const altered = `${ticket.slice(0, -2)}${ticket.at(-2) === 'A' ? 'B' : 'A'}${ticket.at(-1)}`;
    expect((await fetch(`${base}shl/${id}/file/${altered}`)).status).to.equal(404);
    // One hour later the ticket is dead, though the link lives on.
    const issuedAt = clock;
    clock = new Date(issuedAt.getTime() + hour - 1000);
    expect((await fetch(files[0]!.location)).status).to.equal(200);
    clock = new Date(issuedAt.getTime() + hour);
    expect((await fetch(files[0]!.location)).status).to.equal(404);
    // A fresh ticket dies the moment the link is revoked.
    const fresh = await post(payload.url, { recipient: 'Dr. B', passcode: 'open-sesame', embeddedLengthMax: 0 });
    const location = (fresh.body['files'] as { location: string }[])[1]!.location;
    expect((await fetch(location)).status).to.equal(200);
    await revokeAllShareLinks(db, { patient: 'Patient/p1', actor: 'Patient/p1', clientAddress: '10.0.0.1', portalName: 'Clinic' });
    expect((await fetch(location)).status).to.equal(404);
  });

  it('records each opening with the recipient, on the link and as a share-link-opened AuditEvent', async () => {
    const { id, link } = await create({ patient: 'Patient/p3', createdBy: 'RelatedPerson/r3' });
    await post(payloadOf(link).url, { recipient: '  Dr. Ana Rivera  ', passcode: 'open-sesame' });
    const opened = clock;
    clock = new Date(clock.getTime() + 60_000);
    await post(payloadOf(link).url, { recipient: 'Dr. Luis Soto', passcode: 'open-sesame' });
    const [listed] = await listShareLinks(db, 'Patient/p3', clock);
    expect(listed).to.deep.include({ id, label: 'Dra. Rivera', createdBy: 'RelatedPerson/r3', status: 'active' });
    expect(listed!.openings).to.deep.equal([
      { recipient: 'Dr. Luis Soto', at: clock },
      { recipient: 'Dr. Ana Rivera', at: opened },
    ]);
    const audit = await db.query<{ resource: AuditEvent }>("SELECT resource FROM audit_events WHERE patient = 'Patient/p3' ORDER BY recorded_at");
    const events = audit.rows.map((r) => r.resource);
    expect(events.map((e) => e.subtype?.[0]?.code)).to.deep.equal(['share-link', 'share-link-opened', 'share-link-opened']);
    expect(events[0]!.agent?.[0]?.who?.reference).to.equal('RelatedPerson/r3');
    expect(events[0]!.agent?.[1]?.who?.display).to.equal('Dra. Rivera');
    const openedEvent = events[1]!;
    expect(openedEvent.agent).to.have.length(1);
    expect(openedEvent.agent?.[0]).to.deep.include({ requestor: true, who: { display: 'Dr. Ana Rivera' } });
    expect(openedEvent.entity?.[1]?.detail).to.deep.include({ type: 'shareLink', valueString: id });
    expect(JSON.stringify(events)).not.to.include(payloadOf(link).key);
  });

  it('rate-limits manifest requests per link and per client address (429)', async () => {
    const { id, link } = await create();
    for (let i = 0; i < manifestRateLimits.perLink; i++) {
      expect((await post(payloadOf(link).url, { recipient: 'Dr. B' })).status).to.equal(401);
    }
    expect(await post(payloadOf(link).url, { recipient: 'Dr. B', passcode: 'open-sesame' })).to.deep.include({ status: 429, body: { error: 'too_many_requests' } });
    // Per address: probing unknown ids from one address is cut off as well.
    for (let i = 0; i < manifestRateLimits.perAddress; i++) {
      expect((await openManifest(deps, { id: 'B'.repeat(42) + String(i % 10), recipient: 'x', passcode: 'y', clientAddress: '10.9.9.9' })).status).to.equal(404);
    }
    expect(await openManifest(deps, { id, recipient: 'x', passcode: 'y', clientAddress: '10.9.9.9' })).to.deep.equal({ status: 429 });
    // A new window opens again.
    clock = new Date(clock.getTime() + manifestRateLimits.windowMs + 1000);
    expect((await post(payloadOf(link).url, { recipient: 'Dr. B', passcode: 'open-sesame' })).status).to.equal(200);
  });

  it('refuses a manifest request without a usable recipient or embeddedLengthMax, and a body that is not JSON (400)', async () => {
    const { link } = await create();
    const { url } = payloadOf(link);
    for (const body of [{ passcode: 'open-sesame' }, { recipient: '   ', passcode: 'open-sesame' }, { recipient: 'x'.repeat(201), passcode: 'open-sesame' }, { recipient: 7 }]) {
      expect(await post(url, body), JSON.stringify(body).slice(0, 40)).to.deep.include({ status: 400, body: { error: 'bad_request' } });
    }
    expect((await post(url, { recipient: 'Dr. B', passcode: 'open-sesame', embeddedLengthMax: -1 })).status).to.equal(400);
    expect((await post(url, { recipient: 'Dr. B', passcode: 'open-sesame', embeddedLengthMax: '10' })).status).to.equal(400);
    const notJson = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"recipient":' });
    expect(notJson.status).to.equal(400);
    expect(await notJson.json()).to.deep.equal({ error: 'bad_request' });
    // Nothing was used up by any of these.
    expect((await post(url, { recipient: 'Dr. B', passcode: 'nope-nope' })).body['remainingAttempts']).to.equal(passcodeAttemptsLimit - 1);
  });

  it('answers the CORS preflight of the manifest and file endpoints', async () => {
    const preflight = await fetch(`${base}shl/${'A'.repeat(43)}`, { method: 'OPTIONS', headers: { origin: 'https://viewer.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get('access-control-allow-origin')).to.equal('*');
    expect(preflight.headers.get('access-control-allow-methods')).to.include('POST');
    expect(preflight.headers.get('access-control-allow-headers')).to.match(/content-type/i);
  });

  describe('refuses to make a link from bad input, with a reason the page can show', () => {
    const cases: [string, Partial<CreateShareLinkInput>, string][] = [
      ['a passcode shorter than 6 characters', { passcode: '12345' }, 'passcode'],
      ['a passcode longer than 64 characters', { passcode: 'x'.repeat(65) }, 'passcode'],
      ['an empty label', { label: '   ' }, 'label'],
      ['a label longer than 80 characters', { label: 'x'.repeat(81) }, 'label'],
      ['an expiry in the past', { expiresAt: new Date(Date.parse('2026-01-01T00:00:00Z')) }, 'expiry'],
      ['an expiry of now', { expiresAt: new Date(0) }, 'expiry'],
      ['an expiry beyond one year', { expiresAt: new Date(Date.parse('2028-06-01T00:00:00Z')) }, 'expiry'],
      ['an invalid date', { expiresAt: new Date(Number.NaN) }, 'expiry'],
      ['a share of nothing', { files: [] }, 'nothing'],
    ];
    for (const [what, input, reason] of cases) {
      it(what, async () => {
        const before = await db.query('SELECT count(*)::int AS n FROM share_links');
        const error = await create(input).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(ShareLinkRefused);
        expect((error as ShareLinkRefused).reason).to.equal(reason);
        expect(await db.query('SELECT count(*)::int AS n FROM share_links')).to.deep.include({ rows: before.rows });
      });
    }
    it('accepts the limits themselves: 6 and 64 characters, 80-character label, one year', async () => {
      await create({ passcode: '123456' });
      await create({ passcode: 'y'.repeat(64), label: 'z'.repeat(80), expiresAt: new Date(clock.getTime() + 365 * day) });
    });
  });
});

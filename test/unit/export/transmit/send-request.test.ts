import { expect } from 'chai';
import { defaultExpiry, isAddress, parseDirectSend, parseEmailSend, parseLinkSend } from '../../../../src/export/transmit/send-request.ts';

const now = new Date('2026-12-02T15:00:00Z');
const ctx = { pageLanguage: 'es' as const, now, timeZone: 'America/Chicago', defaultLabel: 'Expediente médico' };
const whole = { what: 'all', lang: 'en' };

describe('send requests (the send forms)', () => {
  it('accepts a share link with a passcode, a last day and files, in the chosen language', () => {
    const parsed = parseLinkSend({ ...whole, label: 'Dra. Rivera', passcode: 'río-azul', expires: '2026-12-16', formats: ['pdf', 'ccd'] }, ctx);
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(parsed.request.label).to.equal('Dra. Rivera');
    expect(parsed.request.passcode).to.equal('río-azul');
    expect(parsed.request.formats).to.deep.equal(['pdf', 'ccd']);
    // The end of that day in the practice's time zone (Chicago, UTC-6 in December).
    expect(parsed.request.expiresAt.toISOString()).to.equal('2026-12-17T05:59:59.000Z');
    expect(parsed.share.choice.language).to.equal('en');
  });

  it('gives a link the default label and two weeks when the patient leaves them blank', () => {
    const parsed = parseLinkSend({ ...whole, passcode: '123456', formats: 'pdf' }, ctx);
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(parsed.request.label).to.equal('Expediente médico');
    expect(parsed.fields.expires).to.equal(defaultExpiry(now, ctx.timeZone)).and.to.equal('2026-12-16');
  });

  it('refuses a short passcode, a past or far expiry, a malformed date, a long label and a share of nothing', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ passcode: '12345', formats: ['pdf'] }, 'passcode', 'send.error.passcode'],
      [{ passcode: '      ', formats: ['pdf'] }, 'passcode', 'send.error.passcode'],
      [{ passcode: '123456', expires: '2026-12-01', formats: ['pdf'] }, 'expires', 'send.error.expiryPast'],
      [{ passcode: '123456', expires: '2028-01-01', formats: ['pdf'] }, 'expires', 'send.error.expiryFar'],
      [{ passcode: '123456', expires: '2026-02-30', formats: ['pdf'] }, 'expires', 'send.error.expiryDate'],
      [{ passcode: '123456', expires: 'tomorrow', formats: ['pdf'] }, 'expires', 'send.error.expiryDate'],
      [{ passcode: '123456', label: 'x'.repeat(81), formats: ['pdf'] }, 'label', 'send.error.label'],
      [{ passcode: '123456' }, 'formats', 'send.error.nothing'],
      [{ passcode: '123456', formats: ['docx'] }, 'formats', 'send.error.nothing'],
    ];
    for (const [body, field, error] of cases) {
      const parsed = parseLinkSend({ ...whole, ...body }, ctx);
      expect(parsed.ok, JSON.stringify(body)).to.equal(false);
      if (parsed.ok) continue;
      expect(parsed.errors, JSON.stringify(body)).to.have.property(field, error);
    }
  });

  it('refuses a bad date choice the same way the download form does', () => {
    const parsed = parseLinkSend({ what: 'range', from: '2020-05-01', to: '2020-01-01', passcode: '123456', formats: ['pdf'] }, ctx);
    expect(parsed.ok).to.equal(false);
    if (!parsed.ok) expect(parsed.errors.to).to.equal('share.error.order');
  });

  it('checks Direct and email addresses', () => {
    for (const good of ['dra.rivera@direct.demo-hisp.example', 'A.B+c@Example.ORG']) expect(isAddress(good), good).to.equal(true);
    for (const bad of ['', 'rivera', 'rivera@', '@example.org', 'a@b', 'a..b@example.org', 'a b@example.org', `${'a'.repeat(65)}@example.org`, 'a@-x.org']) {
      expect(isAddress(bad), bad).to.equal(false);
    }
    const direct = parseDirectSend({ ...whole, address: 'Dra.Rivera@Direct.Demo-HISP.example' }, ctx);
    expect(direct.ok && direct.request.address).to.equal('dra.rivera@direct.demo-hisp.example');
    const refused = parseDirectSend({ ...whole, address: 'not an address' }, ctx);
    expect(refused.ok).to.equal(false);
    if (!refused.ok) expect(refused.errors.address).to.equal('send.error.address');
  });

  it('emails only a link by default, and attaches files only after the warning was acknowledged', () => {
    const link = parseEmailSend({ ...whole, address: 'doctor@example.org', passcode: 'abcdef', formats: ['pdf'] }, ctx);
    expect(link.ok && link.request.attach).to.equal(false);
    const unacknowledged = parseEmailSend({ ...whole, address: 'doctor@example.org', attach: 'files', formats: ['pdf'] }, ctx);
    expect(unacknowledged.ok).to.equal(false);
    if (!unacknowledged.ok) expect(unacknowledged.errors.understood).to.equal('send.error.understood');
    const attached = parseEmailSend({ ...whole, address: 'doctor@example.org', attach: 'files', understood: 'yes', formats: ['pdf', 'ccd'] }, ctx);
    expect(attached.ok).to.equal(true);
    if (attached.ok && attached.request.attach) expect(attached.request.formats).to.deep.equal(['pdf', 'ccd']);
  });
});

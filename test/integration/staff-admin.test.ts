import { expect } from 'chai';
import { HttpClient } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { seedStaff, totpCodes } from '../support/seed.ts';

describe('staff accounts: admins create (with TOTP enrollment) and disable staff', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  before(async () => {
    portal = await startPortal({}, {});
  });
  after(() => portal.stop());

  async function signedIn(email: string, password: string, code: string, language = 'en'): Promise<HttpClient> {
    const browser = new HttpClient(portal.url, language);
    await browser.get('/staff/login');
    await browser.submit('/staff/login', { email, password, code });
    return browser;
  }

  it('lets an admin create a staff member who signs in with the temporary password and the enrolled TOTP key, and disable them', async () => {
    const admin = await seedStaff(portal.ctx, { admin: true });
    const adminBrowser = await signedIn(admin.email, admin.password, admin.code());
    expect((await adminBrowser.get('/staff/admin')).status).to.equal(200);
    const email = `new-${Date.now()}@clinic.example`;
    const created = await adminBrowser.submit('/staff/admin', { email, givenName: 'Tomás', familyName: 'Pérez', admin: 'no' });
    expect(created.status).to.equal(200);
    expect(created.body).to.include('<svg');
    const password = /Temporary password: <code>([^<]+)<\/code>/.exec(created.body)![1]!;
    const secret = /<code>([A-Z2-7]{32})<\/code>/.exec(created.body)![1]!;

    const member = await signedIn(email, password, totpCodes(secret)());
    const home = await member.get('/staff');
    expect(home.url).to.match(/\/staff$/);
    expect(home.body).to.include('Find a patient');
    expect((await member.get('/staff/admin')).status, 'not an admin').to.equal(403);

    const memberId = new RegExp(`${email.replace(/[.]/g, '\\.')} · Active[\\s\\S]*?/staff/admin/([0-9a-f-]{36})/disable`).exec((await adminBrowser.get('/staff/admin')).body)![1]!;
    await adminBrowser.submit(`/staff/admin/${memberId}/disable`, {});
    expect((await member.get('/staff')).url, 'the open session ended').to.match(/\/staff\/login$/);
    const again = await signedIn(email, password, totpCodes(secret)());
    expect(again.lastPage!.body).to.include('We could not sign you in');
  });

  it('refuses a staff sign-in with a wrong or reused TOTP code', async () => {
    const staff = await seedStaff(portal.ctx);
    const wrong = await signedIn(staff.email, staff.password, '000000');
    expect(wrong.lastPage!.body).to.include('We could not sign you in');
    const code = staff.code();
    expect((await signedIn(staff.email, staff.password, code)).lastPage!.url).to.match(/\/staff$/);
    expect((await signedIn(staff.email, staff.password, code)).lastPage!.body, 'a code works once').to.include('We could not sign you in');
  });
});

import { expect } from 'chai';
import { HttpClient } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { seedStaff } from '../support/seed.ts';
import { enqueue, getOutboxRow } from '../../src/store/outbox.ts';

/** Issue 15, point 6: administrators see dead letters with their last error (never the content) and retry one. */
describe('staff: dead letters (undelivered outbox messages) listed with their last error, retried by an admin', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  before(async () => {
    portal = await startPortal({}, {});
  });
  after(() => portal.stop());

  async function signedIn(admin: boolean): Promise<HttpClient> {
    const staff = await seedStaff(portal.ctx, { admin });
    const browser = new HttpClient(portal.url, 'en');
    await browser.get('/staff/login');
    await browser.submit('/staff/login', { email: staff.email, password: staff.password, code: staff.code() });
    return browser;
  }

  it('lists the dead letter with its last error and no content; the retry delivers it exactly once', async () => {
    const to = `dead-letter-${Date.now()}@example.org`;
    const id = await portal.ctx.db.transaction((tx) => enqueue(tx, { kind: 'email', payload: { to, subject: 'Secret subject Zyx', text: 'Secret body Qwv' } }));
    // As the worker leaves a message the relay kept refusing past the horizon.
    await portal.ctx.db.query(`UPDATE outbox SET status = 'dead', attempts = 7, last_error = 'Error: EENVELOPE: smtp 550' WHERE id = $1`, [id]);

    const admin = await signedIn(true);
    const page = await admin.get('/staff/admin/dead-letters');
    expect(page.status).to.equal(200);
    expect(page.body).to.include('Undelivered messages (dead letters)');
    const row = new RegExp(`<tr><th scope="row">${id}</th><td>Email</td><td>[^<]+</td><td>7</td><td><code>Error: EENVELOPE: smtp 550</code></td>`).exec(page.body);
    expect(row, 'the row with kind, attempts and last error').to.not.equal(null);
    expect(page.body).not.to.include('Secret subject Zyx');
    expect(page.body).not.to.include('Secret body Qwv');
    expect(page.body).not.to.include(to);

    const before = portal.smtp.messages.length;
    const retried = await admin.submit(`/staff/admin/dead-letters/${id}/retry`, {});
    expect(retried.url).to.match(/\/staff\/admin\/dead-letters\?done=retried$/);
    expect(retried.body).to.include('The message is back in the queue');
    await portal.smtp.waitForMessages(before + 1);
    for (let i = 0; i < 50 && (await getOutboxRow(portal.ctx.db, id))!.status !== 'sent'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await getOutboxRow(portal.ctx.db, id)).to.include({ status: 'sent', attempts: 8, last_error: null });
    expect(portal.smtp.messages.filter((m) => m.envelopeTo.includes(to))).to.have.length(1);
    expect((await admin.get('/staff/admin/dead-letters')).body).not.to.include(`<th scope="row">${id}</th>`);

    // A second retry of the same id (no longer dead) is a 404, and nothing is sent again.
    const again = await admin.submit(`/staff/admin/dead-letters/${id}/retry`, {});
    expect(again.status).to.equal(404);
    await new Promise((r) => setTimeout(r, 400));
    expect(portal.smtp.messages.filter((m) => m.envelopeTo.includes(to))).to.have.length(1);
  });

  it('is for administrators only', async () => {
    const clerk = await signedIn(false);
    expect((await clerk.get('/staff/admin/dead-letters')).status).to.equal(403);
    const anonymous = new HttpClient(portal.url, 'en');
    expect((await anonymous.get('/staff/admin/dead-letters')).url).to.match(/\/staff\/login/);
  });

  it('speaks Spanish too', async () => {
    const admin = await signedIn(true);
    await admin.get('/lang/es?next=%2Fstaff%2Fadmin%2Fdead-letters');
    const page = await admin.get('/staff/admin/dead-letters');
    expect(page.body).to.match(/Mensajes no entregados/);
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../../scripts/lib/paths.ts';
import type { Bundle, Communication, Consent, OperationOutcome } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { addFamilyMember } from '../support/family-member.ts';
import { messageTopicSystem } from '../../src/core/fhir/messages.ts';
import { familyFhirDelivered } from '../support/family-jobs.ts';

interface Person {
  readonly browser: HttpClient;
  readonly token: string;
}

interface Member extends Person {
  readonly relatedPerson: string;
  readonly consent: string;
}

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/**
 * Issue #14 point 4: the patient marks a conversation as not shared with a named family member. The page offers it
 * to the patient only; the family member's Consent gets a nested deny naming the thread header (and validates); the
 * facade withholds the header, its messages, their attachment and everything reached through them from that family
 * member in every shape (read 404, searches, _revinclude, $everything) and refuses a message into it exactly like a
 * foreign conversation; another family member still sees it; sharing it again gives it back.
 */
describe('secure messages: a conversation not shared with a named family member', function () {
  this.timeout(300_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let patient: Person;
  let lucia: Member;
  let pedro: Member;
  let thread: string;
  let other: string;
  let message: string;
  let binary: string;

  async function signIn(email: string, password: string, birthDate: string, accountId: string, language: 'es' | 'en' = 'es'): Promise<Person> {
    const browser = new HttpClient(portal.url, language);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email, password, birthDate });
    const token = (
      await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1", [
        accountId,
      ])
    ).rows[0]!.token;
    return { browser, token };
  }

  /** A family member of A with everything, registered and signed in (test/support/family-member.ts). */
  const member = (name: string): Promise<Member> => addFamilyMember(portal, a, { name });

  const fhir = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${portal.url}/fhir/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json', ...(init.headers ?? {}) } });
  const post = (token: string, type: string, body: unknown) =>
    fhir(token, type, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
  const idOf = (response: Response) => /\/(?:Communication|Binary)\/([^/]+)\/_history\//.exec(response.headers.get('location') ?? '')![1]!;
  const bundleIds = async (response: Response) => {
    expect(response.status).to.equal(200);
    return ((await response.json()) as Bundle).entry?.map((e) => `${e.resource!.resourceType}/${e.resource!.id}`) ?? [];
  };
  const textOf = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  /** The patient's "not shared with" form, as a browser sends it: one `notSharedWith` per ticked box. */
  async function save(person: Person, page: PageResponse, conversation: string, notSharedWith: readonly Member[]): Promise<PageResponse> {
    const body = new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! });
    for (const m of notSharedWith) body.append('notSharedWith', m.relatedPerson.split('/')[1]!);
    return person.browser.request('POST', `/messages/${conversation}/sharing`, body);
  }

  /** Everything a family member's token can see of the conversation, through the facade in every shape. */
  async function seen(person: Person): Promise<string[]> {
    const reads = await Promise.all(
      [`Communication/${thread}`, `Communication/${message}`, `Binary/${binary}`].map(async (path) => `${path} ${(await fhir(person.token, path)).status}`),
    );
    const threads = await bundleIds(await fhir(person.token, `Communication?category=${encodeURIComponent('https://puente.example.org/fhir/CodeSystem/message-category|thread')}`));
    const messages = await bundleIds(await fhir(person.token, `Communication?part-of=Communication/${thread}&_revinclude=Provenance:target`));
    const everything = await bundleIds(await fhir(person.token, `Patient/${a.patient.id}/$everything?_type=Communication&_count=100`));
    return [
      ...reads,
      ...threads.filter((id) => id === `Communication/${thread}`).map((id) => `search ${id}`),
      ...messages.map((id) => `part-of ${id.split('/')[0]}`),
      ...everything.filter((id) => id === `Communication/${thread}` || id === `Communication/${message}`).map((id) => `$everything ${id}`),
    ];
  }

  before(async () => {
    portal = await startPortal({ PRACTICE_HOURS: 'mon-sun 00:00-23:59' });
    // The shared HAPI of a PUENTE_TEST_HAPI_URL run may predate the deny rule (pfc-1); HAPI's own loader stores the profile by id, and so does this.
    const profile = JSON.parse(readFileSync(fromRoot('fhir-profiles', 'StructureDefinition-puente-family-consent.json'), 'utf8')) as { id: string };
    await portal.ctx.fhir.update({ ...profile, resourceType: 'StructureDefinition' } as never);
    a = await onboard(portal.ctx, portal.smtp);
    patient = await signIn(a.email, a.password, a.patient.birthDate, a.accountId, 'en');
    lucia = await member('Lucía Núñez');
    pedro = await member('Pedro Núñez');
    // The conversation with a message and its attachment, written by the patient through the facade like the pages do.
    binary = idOf(await post(patient.token, 'Binary', { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') }));
    const topic = { coding: [{ system: messageTopicSystem, code: 'doctor' }], text: 'Resultados privados' };
    thread = idOf(await post(patient.token, 'Communication', { resourceType: 'Communication', topic }));
    message = idOf(
      await post(patient.token, 'Communication', {
        resourceType: 'Communication',
        partOf: [{ reference: `Communication/${thread}` }],
        payload: [{ contentString: 'SOLO-PARA-MI' }, { contentAttachment: { contentType: 'application/pdf', url: `Binary/${binary}`, title: 'informe.pdf', size: pdf.length } }],
      }),
    );
    other = idOf(await post(patient.token, 'Communication', { resourceType: 'Communication', topic: { ...topic, text: 'Cita compartida' } }));
  });
  after(() => portal.stop());

  it('the patient’s conversation page offers “not shared with” each family member by name (both languages); a family member’s page does not', async () => {
    const english = textOf((await patient.browser.get(`/messages/${thread}`)).body);
    expect(english).to.include('Who sees this conversation');
    expect(english).to.include('Not shared with:');
    expect(english).to.include('Lucía Núñez');
    expect(english).to.include('Pedro Núñez');
    const spanish = await signIn(a.email, a.password, a.patient.birthDate, a.accountId, 'es');
    const page = textOf((await spanish.browser.get(`/messages/${thread}`)).body);
    expect(page).to.include('Quién ve esta conversación');
    expect(page).to.include('No compartida con:');
    const family = (await lucia.browser.get(`/messages/${thread}`)).body;
    expect(family).to.include('SOLO-PARA-MI');
    expect(family).not.to.include('/sharing');
    expect(family).not.to.include('No compartida con');
  });

  it('before: both family members see the conversation, its message and its attachment', async () => {
    for (const person of [lucia, pedro])
      expect(await seen(person)).to.include.members([
        `Communication/${thread} 200`,
        `Communication/${message} 200`,
        `Binary/${binary} 200`,
        `search Communication/${thread}`,
        'part-of Communication',
      ]);
  });

  it('marked not shared with Lucía: gone from her token in every shape and from her pages; Pedro still sees it; her Consent carries the deny and validates', async () => {
    const page = await patient.browser.get(`/messages/${thread}`);
    const saved = await save(patient, page, thread, [lucia]);
    expect(saved.status).to.equal(303);
    expect(saved.location).to.equal(`/messages/${thread}?shared=1#sharing`);
    const after = await patient.browser.get(saved.location!);
    expect(textOf(after.body)).to.include('Saved: who sees this conversation has changed.');
    expect(after.body).to.match(new RegExp(`value="${lucia.relatedPerson.split('/')[1]}" checked`));
    expect(after.body).not.to.match(new RegExp(`value="${pedro.relatedPerson.split('/')[1]}" checked`));

    // The facade, on the very next request (the access epoch moved): uniform 404s, nothing in searches, revinclude or $everything.
    expect(await seen(lucia)).to.deep.equal([`Communication/${thread} 404`, `Communication/${message} 404`, `Binary/${binary} 404`]);
    const missing = await fhir(lucia.token, 'Communication/does-not-exist');
    const hidden = await fhir(lucia.token, `Communication/${thread}`);
    expect(await hidden.json()).to.deep.equal(await missing.json());
    // Writing into it is refused exactly like a conversation that is not hers.
    const into = (target: string) =>
      post(lucia.token, 'Communication', { resourceType: 'Communication', partOf: [{ reference: `Communication/${target}` }], payload: [{ contentString: 'hola' }] });
    const refused = await into(thread);
    const foreign = await into('does-not-exist');
    expect([refused.status, foreign.status]).to.deep.equal([403, 403]);
    expect((await refused.json()) as OperationOutcome).to.deep.equal((await foreign.json()) as OperationOutcome);
    const written = ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}` })).entry ?? []).map((e) => e.resource!.id);
    expect(written).to.deep.equal([message]);
    // Nor is its attachment handed to her through a conversation she does see: naming it in a new message is refused
    // exactly like another patient's Binary (it is named already, and not her upload), and it stays the 404.
    const attaching = (file: string) =>
      post(lucia.token, 'Communication', {
        resourceType: 'Communication',
        partOf: [{ reference: `Communication/${other}` }],
        payload: [{ contentString: 'adjunto' }, { contentAttachment: { contentType: 'application/pdf', url: `Binary/${file}` } }],
      });
    const viaOther = await attaching(binary);
    const noSuch = await attaching('no-such-binary-9');
    expect([viaOther.status, noSuch.status]).to.deep.equal([403, 403]);
    expect((await viaOther.json()) as OperationOutcome).to.deep.equal((await noSuch.json()) as OperationOutcome);
    expect((await fhir(lucia.token, `Binary/${binary}`)).status).to.equal(404);
    // Her pages: not in the list, the conversation and its attachment are not there.
    expect((await lucia.browser.get('/messages')).body).not.to.include('Resultados privados');
    expect((await lucia.browser.get('/messages')).body).to.include('Cita compartida');
    expect((await lucia.browser.request('GET', `/messages/${thread}`)).status).to.equal(404);
    expect((await lucia.browser.request('GET', `/messages/${thread}/attachments/${binary}`)).status).to.equal(404);
    // She cannot undo it: the form is the patient's alone.
    const own = await lucia.browser.get(`/messages/${other}`);
    expect((await save(lucia, own, thread, [])).status).to.equal(404);
    expect((await fhir(lucia.token, `Communication/${thread}`)).status).to.equal(404);

    // Pedro, another family member, still sees all of it.
    expect(await seen(pedro)).to.include.members([
      `Communication/${thread} 200`,
      `Communication/${message} 200`,
      `Binary/${binary} 200`,
      `search Communication/${thread}`,
      'part-of Communication',
    ]);
    expect((await pedro.browser.get(`/messages/${thread}`)).body).to.include('SOLO-PARA-MI');

    // FHIR, the record of truth (written by the outbox job queued with the change): Lucía's Consent denies the thread
    // header (nested provision), Pedro's does not; it validates.
    await familyFhirDelivered(portal.ctx);
    const consent = await portal.ctx.fhir.read<Consent>('Consent', lucia.consent.split('/')[1]!);
    expect(consent.provision?.provision).to.deep.equal([{ type: 'deny', data: [{ meaning: 'related', reference: { reference: `Communication/${thread}` } }] }]);
    expect(consent.provision?.actor?.[0]?.reference?.reference).to.equal(lucia.relatedPerson);
    expect((await portal.ctx.fhir.read<Consent>('Consent', pedro.consent.split('/')[1]!)).provision?.provision).to.equal(undefined);
    const validation = await portal.ctx.fhir.operation<OperationOutcome>({
      resourceType: 'Consent',
      name: `$validate?profile=${encodeURIComponent('https://puente.example.org/fhir/StructureDefinition/puente-family-consent')}`,
      method: 'POST',
      input: consent,
    });
    expect(validation.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => i.diagnostics)).to.deep.equal([]);
    // The profile's rule pfc-1: a deny names conversation headers only.
    const broken = { ...consent, provision: { ...consent.provision!, provision: [{ type: 'deny', data: [{ meaning: 'instance', reference: { reference: 'Observation/1' } }] }] } };
    const invalid = await portal.ctx.fhir.operation<OperationOutcome>({
      resourceType: 'Consent',
      name: `$validate?profile=${encodeURIComponent('https://puente.example.org/fhir/StructureDefinition/puente-family-consent')}`,
      method: 'POST',
      input: broken,
    });
    expect(invalid.issue.filter((i) => i.severity === 'error').map((i) => i.diagnostics ?? '')).to.satisfy((d: string[]) => d.some((x) => x.includes('pfc-1')));
  });

  it('a value that is no family member’s id refuses the whole change (422, in the patient’s language): nothing is shared, Lucía is still kept from it', async () => {
    const page = await patient.browser.get(`/messages/${thread}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const jobs = async () => Number((await portal.ctx.db.query<{ n: string }>("SELECT count(*)::text AS n FROM outbox WHERE kind = 'family-fhir'")).rows[0]!.n);
    const before = await jobs();
    // Before this change, the bad value emptied the list, which shared the conversation with everyone.
    // A well-formed id of no family member of this patient was once ignored: alone, it too shared the conversation with Lucía.
    const stranger = 'no-such-family-member-1';
    for (const values of [['../RelatedPerson/x'], [lucia.relatedPerson.split('/')[1]!, 'RelatedPerson/x'], [''], [stranger], [lucia.relatedPerson.split('/')[1]!, stranger]]) {
      const body = new URLSearchParams({ _csrf: csrf });
      for (const value of values) body.append('notSharedWith', value);
      const refused = await patient.browser.request('POST', `/messages/${thread}/sharing`, body);
      expect(refused.status, values.join(',')).to.equal(422);
      expect(textOf(refused.body)).to.include('Nothing was saved: the list of people could not be read.');
      expect(refused.body).to.include(`href="/messages/${thread}#sharing"`);
    }
    const spanish = await signIn(a.email, a.password, a.patient.birthDate, a.accountId, 'es');
    const body = new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec((await spanish.browser.get(`/messages/${thread}`)).body)![1]! });
    body.append('notSharedWith', '<script>');
    const refused = await spanish.browser.request('POST', `/messages/${thread}/sharing`, body);
    expect(refused.status).to.equal(422);
    expect(textOf(refused.body)).to.include('No se guardó nada: no se pudo leer la lista de personas.');

    expect(await jobs()).to.equal(before);
    expect(await seen(lucia)).to.deep.equal([`Communication/${thread} 404`, `Communication/${message} 404`, `Binary/${binary} 404`]);
    expect((await patient.browser.get(`/messages/${thread}`)).body).to.match(new RegExp(`value="${lucia.relatedPerson.split('/')[1]}" checked`));
  });

  it('shared again: Lucía sees it once more and her Consent has no deny', async () => {
    const page = await patient.browser.get(`/messages/${thread}`);
    expect((await save(patient, page, thread, [])).status).to.equal(303);
    expect(await seen(lucia)).to.include.members([
      `Communication/${thread} 200`,
      `Communication/${message} 200`,
      `Binary/${binary} 200`,
      `search Communication/${thread}`,
      'part-of Communication',
    ]);
    await familyFhirDelivered(portal.ctx);
    expect((await portal.ctx.fhir.read<Consent>('Consent', lucia.consent.split('/')[1]!)).provision?.provision).to.equal(undefined);
  });
});

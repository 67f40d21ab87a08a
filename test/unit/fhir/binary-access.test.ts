import { expect } from 'chai';
import type { Binary, Communication, DocumentReference } from '@medplum/fhirtypes';
import { binaryIdOfUrl, binaryReleasable } from '../../../src/fhir/binary-access.ts';
import { rawBinaryContent, wantsBinaryResource } from '../../../src/fhir/binary-content.ts';
import { pointAttachmentsAtFacade } from '../../../src/fhir/attachment-urls.ts';

const facade = 'https://portal.example/fhir';
const hapi = 'http://127.0.0.1:8091/fhir';
const bases = [facade, hapi];
// A patient token's reach as the pipeline decided it: the compartment of patient p1.
const patientToken = { practiceWide: false, patient: 'p1' };
const document = { resourceType: 'DocumentReference', id: 'd1', status: 'current', content: [{ attachment: { url: 'Binary/b1' } }] } satisfies DocumentReference;

describe('Binary through its DocumentReference (security model 3)', () => {
  it('reads the Binary id from relative and local absolute attachment urls only, as exact text', () => {
    expect(binaryIdOfUrl('Binary/b1', bases)).to.equal('b1');
    expect(binaryIdOfUrl(`${facade}/Binary/b1`, bases)).to.equal('b1');
    expect(binaryIdOfUrl(`${hapi}/Binary/b1`, bases)).to.equal('b1');
    expect(binaryIdOfUrl('https://other.example/fhir/Binary/b1', bases)).to.equal(undefined);
    expect(binaryIdOfUrl(`${facade}/binary/b1`, bases)).to.equal(undefined);
    expect(binaryIdOfUrl('Binary/b1/_history/2', bases)).to.equal(undefined);
    expect(binaryIdOfUrl('Binary/b1?x=1', bases)).to.equal(undefined);
    expect(binaryIdOfUrl('Binary/../Patient/p2', bases)).to.equal(undefined);
    expect(binaryIdOfUrl('/Binary/b1', bases)).to.equal(undefined);
    expect(binaryIdOfUrl(undefined, bases)).to.equal(undefined);
  });

  it('releases only the Binary asked for, and only when its securityContext is the patient or an authorizing document', () => {
    const binary = (fields: Partial<Binary> = {}): Binary => ({ resourceType: 'Binary', id: 'b1', contentType: 'text/plain', ...fields });
    expect(binaryReleasable(binary(), 'b1', [document], patientToken, facade)).to.equal(true);
    expect(binaryReleasable(binary(), 'b2', [document], patientToken, facade), 'another id').to.equal(false);
    expect(binaryReleasable(binary(), 'b1', [], patientToken, facade), 'no document').to.equal(false);
    expect(binaryReleasable({ resourceType: 'Patient', id: 'b1' }, 'b1', [document], patientToken, facade)).to.equal(false);
    expect(binaryReleasable(binary({ securityContext: { reference: 'Patient/p1' } }), 'b1', [document], patientToken, facade)).to.equal(true);
    expect(binaryReleasable(binary({ securityContext: { reference: `${facade}/DocumentReference/d1` } }), 'b1', [document], patientToken, facade)).to.equal(true);
    expect(binaryReleasable(binary({ securityContext: { reference: 'Patient/p2' } }), 'b1', [document], patientToken, facade), 'another patient').to.equal(false);
    expect(binaryReleasable(binary({ securityContext: { reference: 'DocumentReference/d9' } }), 'b1', [document], patientToken, facade)).to.equal(false);
    expect(binaryReleasable(binary({ securityContext: { display: 'someone' } }), 'b1', [document], patientToken, facade), 'unresolvable context').to.equal(false);
    // Practice-wide reach as the pipeline decided it (system/ scopes, or staff within user/ scopes): any patient's context.
    const practiceWide = { practiceWide: true, patient: 'p1' };
    expect(binaryReleasable(binary({ securityContext: { reference: 'Patient/p2' } }), 'b1', [document], practiceWide, facade), 'practice-wide').to.equal(true);
    expect(binaryReleasable(binary(), 'b1', [], practiceWide, facade), 'practice-wide still needs a document').to.equal(false);
  });

  it('accepts the authorizing message as a Binary’s securityContext, never another message', () => {
    const message = { resourceType: 'Communication', id: 'm1', status: 'completed', payload: [{ contentAttachment: { url: 'Binary/b1' } }] } satisfies Communication;
    const binary = (reference: string): Binary => ({ resourceType: 'Binary', id: 'b1', contentType: 'application/pdf', securityContext: { reference } });
    expect(binaryReleasable(binary('Communication/m1'), 'b1', [message], patientToken, facade)).to.equal(true);
    expect(binaryReleasable(binary('Patient/p1'), 'b1', [message], patientToken, facade)).to.equal(true);
    expect(binaryReleasable(binary('Communication/m2'), 'b1', [message], patientToken, facade)).to.equal(false);
    expect(binaryReleasable(binary('DocumentReference/m1'), 'b1', [message], patientToken, facade), 'same id, another type').to.equal(false);
  });

  it('answers the resource for FHIR formats and the content otherwise (R4 http.html#binary)', () => {
    expect(wantsBinaryResource('application/fhir+json')).to.equal(true);
    expect(wantsBinaryResource('application/fhir+json; fhirVersion=4.0')).to.equal(true);
    expect(wantsBinaryResource('text/html, application/json;q=0.9')).to.equal(true);
    expect(wantsBinaryResource('*/*')).to.equal(false);
    expect(wantsBinaryResource('application/pdf')).to.equal(false);
    expect(wantsBinaryResource('application/jsonx')).to.equal(false);
    expect(wantsBinaryResource(undefined)).to.equal(false);
  });

  it('sends raw content as an inert download under a validated content type', () => {
    const html = rawBinaryContent({ resourceType: 'Binary', id: 'b1', contentType: 'text/html', data: Buffer.from('<script>x</script>').toString('base64') });
    expect(html.body.toString()).to.equal('<script>x</script>');
    expect(html.headers).to.include({
      'Content-Type': 'text/html',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': 'attachment; filename="binary-b1"',
    });
    expect(rawBinaryContent({ resourceType: 'Binary', id: 'b1', contentType: 'text/plain\r\nSet-Cookie: x=1' }).headers['Content-Type']).to.equal('application/octet-stream');
    expect(rawBinaryContent({ resourceType: 'Binary', id: 'b1', contentType: 'application/pdf; charset=x' }).headers['Content-Type']).to.equal('application/pdf');
  });

  it('rewrites HAPI-based attachment urls onto the facade, in reads and in searchsets', () => {
    const read: DocumentReference = {
      ...document,
      content: [{ attachment: { url: `${hapi}/Binary/b1` } }, { attachment: { url: 'Binary/b2' } }, { attachment: { url: 'https://other.example/x' } }],
    };
    pointAttachmentsAtFacade(read, hapi, facade);
    expect(read.content.map((c) => c.attachment.url)).to.deep.equal([`${facade}/Binary/b1`, 'Binary/b2', 'https://other.example/x']);
    const searched: DocumentReference = { ...document, content: [{ attachment: { url: `${hapi}/Binary/b3` } }] };
    pointAttachmentsAtFacade({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: searched }] }, `${hapi}/`, facade);
    expect(searched.content[0]!.attachment.url).to.equal(`${facade}/Binary/b3`);
  });
});

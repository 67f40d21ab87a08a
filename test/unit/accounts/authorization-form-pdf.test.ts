import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderAuthorizationForm, type AuthorizationFormData } from '../../../src/accounts/authorization-form-pdf.ts';
import { pdfFonts } from '../../support/pdf-fonts.ts';

const designeeForm: AuthorizationFormData = {
  practice: { name: 'Clínica del Valle', phone: '(555) 010-2040' },
  patient: { name: 'Carla Echevarría', birthDate: '2005-05-03', mrn: 'MRN-004217' },
  patientEmail: 'carla.echevarria@example.com',
  physician: 'Dra. Inés Muñoz',
  signer: { kind: 'designee', name: 'José Ángel Echevarría', relationship: 'Padre', email: 'jose.echevarria@example.com' },
  authorizedUserEmail: 'jose.echevarria@example.com',
  verifiedBy: 'Lucía Peña',
  recordedAt: '2025-03-10T18:30:00-05:00',
  staffNote: '¿Identificación? Licencia de conducir vista.',
  formId: 'Consent/8f2c41',
};

const patientForm: AuthorizationFormData = {
  ...designeeForm,
  signer: { kind: 'patient' },
  authorizedUserEmail: 'carla.echevarria@example.com',
  staffNote: undefined,
};

const englishTitle = 'Patient portal and email authorization';
const spanishTitle = 'Autorización para el portal del paciente y el correo electrónico';

let directory: string;

/** Runs a poppler tool on the PDF; whitespace runs become one space so wrapped lines read as one. */
function poppler(tool: 'pdftotext' | 'pdfinfo', pdf: Buffer, name: string): string {
  const file = join(directory, `${name}.pdf`);
  writeFileSync(file, pdf);
  const args = tool === 'pdftotext' ? ['-layout', file, '-'] : [file];
  return execFileSync(tool, args, { encoding: 'utf8' });
}
const textOf = (pdf: Buffer, name: string) => poppler('pdftotext', pdf, name).replace(/\s+/gu, ' ');
const fontsOf = (pdf: Buffer, name: string) => {
  const file = join(directory, `${name}.pdf`);
  writeFileSync(file, pdf);
  return pdfFonts(file);
};

describe('authorization form PDF', () => {
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'puente-form-'));
    try {
      execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    } catch {
      throw new Error('pdftotext is missing: install poppler-utils (npm test installs it)');
    }
  });

  after(() => rmSync(directory, { recursive: true, force: true }));

  it('renders the Spanish form for a designee', async () => {
    const text = textOf(await renderAuthorizationForm(designeeForm, 'es'), 'designee-es');
    for (const expected of [
      'Clínica del Valle',
      'Teléfono: (555) 010-2040',
      spanishTitle,
      'Nombre completo del paciente Carla Echevarría',
      'Fecha de nacimiento',
      '3 de mayo de 2005',
      'MRN-004217',
      'carla.echevarria@example.com',
      'Dra. Inés Muñoz',
      'Autorizo a Clínica del Valle a crear una cuenta en el portal del paciente para el paciente nombrado en este formulario',
      've todo lo que ve el paciente en el portal',
      'Puedo dejar de usar el portal en cualquier momento y pedir a Clínica del Valle que desactive la cuenta.',
      'Puedo pedir a Clínica del Valle que actualice la dirección de correo electrónico de la cuenta.',
      'X Una persona designada por el paciente',
      'José Ángel Echevarría',
      'Padre',
      'Correo electrónico de la persona que usará el portal jose.echevarria@example.com',
      'Identidad y autorización de la persona que firmó confirmadas por Lucía Peña el 10 de marzo de 2025 a las 18:30 GMT-5.',
      'Nota del personal ¿Identificación? Licencia de conducir vista.',
      'Formulario Consent/8f2c41 · registrado el 10 de marzo de 2025',
      'Página 1 de 1',
    ]) {
      expect(text).to.include(expected);
    }
    expect(text).not.to.include(englishTitle);
    expect(text).not.to.include('May 3, 2005');
  });

  it('renders the English form for the patient as signer', async () => {
    const text = textOf(await renderAuthorizationForm(patientForm, 'en'), 'patient-en');
    for (const expected of [
      'Phone: (555) 010-2040',
      englishTitle,
      'Patient’s full name Carla Echevarría',
      'Date of birth',
      'May 3, 2005',
      'MRN-004217',
      'I authorize Clínica del Valle to create a patient portal account for the patient named on this form and to communicate by email',
      'I understand that email has risks',
      'sees everything the patient sees in the portal',
      'I may stop using the portal at any time and ask Clínica del Valle to deactivate the account.',
      'X The patient',
      'Email of the person who will use the portal carla.echevarria@example.com',
      'Identity and authorization of the signer confirmed by Lucía Peña on March 10, 2025 at 6:30 PM GMT-5.',
      'Form Consent/8f2c41 · recorded March 10, 2025',
      'Page 1 of 1',
    ]) {
      expect(text).to.include(expected);
    }
    expect(text).not.to.include(spanishTitle);
    expect(text).not.to.include('3 de mayo de 2005');
    expect(text).not.to.include('José Ángel Echevarría');
    expect(text).not.to.include('Designee’s full name');
    expect(text).not.to.include('Staff note');
  });

  it('sets the title, author, language and creation date, and tags the document', async () => {
    const pdf = await renderAuthorizationForm(designeeForm, 'es');
    const info = poppler('pdfinfo', pdf, 'info-es');
    expect(info).to.match(new RegExp(`^Title: +${spanishTitle}$`, 'mu'));
    expect(info).to.match(/^Author: +Clínica del Valle$/mu);
    expect(info).to.match(/^Tagged: +yes$/mu);
    expect(info).to.match(/^CreationDate: +Mon Mar 10 23:30:00 2025 UTC$/mu);
    expect(info).to.match(/^Page size: +612 x 792 pts \(letter\)$/mu);
    expect(pdf.toString('latin1')).to.include('/Lang (es)');
    expect((await renderAuthorizationForm(designeeForm, 'en')).toString('latin1')).to.include('/Lang (en)');
  });

  it('gives the same bytes for the same input', async () => {
    const first = await renderAuthorizationForm(designeeForm, 'en');
    const second = await renderAuthorizationForm(designeeForm, 'en');
    expect(first.equals(second)).to.equal(true);
  });

  it('prints the date and time in the practice time zone when given', async () => {
    const form = { ...patientForm, recordedAt: '2025-03-10T23:30:00.000Z', timeZone: 'America/New_York' };
    const text = textOf(await renderAuthorizationForm(form, 'en'), 'time-zone');
    expect(text).to.include('confirmed by Lucía Peña on March 10, 2025 at 7:30 PM EDT.');
  });

  it('numbers the pages when a long staff note runs onto a second page', async () => {
    const form = { ...designeeForm, staffNote: 'La paciente trajo su identificación. '.repeat(150) };
    const pdf = await renderAuthorizationForm(form, 'es');
    expect(poppler('pdfinfo', pdf, 'long')).to.match(/^Pages: +2$/mu);
    const text = textOf(pdf, 'long');
    expect(text).to.include('Página 1 de 2');
    expect(text).to.include('Página 2 de 2');
  });

  it('prints names as written, letters outside Spanish and Windows-1252 included', async () => {
    const form = { ...patientForm, patient: { ...patientForm.patient, name: 'Łucja Wąs-Nguyễn' } };
    const text = textOf(await renderAuthorizationForm(form, 'en'), 'outside-winansi');
    expect(text).to.include('Łucja Wąs-Nguyễn');
  });

  it('embeds every font it uses (PDF/UA): pdffonts lists DejaVu Sans, each with emb "yes"', async () => {
    for (const [name, pdf] of [
      ['fonts-es', await renderAuthorizationForm(designeeForm, 'es')],
      ['fonts-en', await renderAuthorizationForm(patientForm, 'en')],
    ] as const) {
      const fonts = fontsOf(pdf, name);
      expect(fonts.map((font) => font.name.replace(/^[A-Z]{6}\+/u, '')).sort(), name).to.deep.equal(['DejaVuSans', 'DejaVuSans-Bold']);
      for (const font of fonts) expect(font, `${name}: ${font.name}`).to.include({ embedded: true });
    }
  });

  it('prints a partly known birth date as far as it is known, and an unknown one as an empty box', async () => {
    const born = (birthDate: string) => ({ ...patientForm, patient: { ...patientForm.patient, birthDate } });
    expect(textOf(await renderAuthorizationForm(born('2005-05'), 'es'), 'month')).to.include('Fecha de nacimiento Número de historia clínica mayo de 2005 MRN-004217');
    expect(textOf(await renderAuthorizationForm(born('2005'), 'en'), 'year')).to.include('Date of birth Medical record number 2005 MRN-004217');
    expect(textOf(await renderAuthorizationForm(born(''), 'en'), 'unknown')).to.include('Date of birth Medical record number MRN-004217');
  });

  it('refuses an impossible birth date or recording time', async () => {
    const born = (birthDate: string) => ({ ...patientForm, patient: { ...patientForm.patient, birthDate } });
    const badTime = { ...patientForm, recordedAt: 'yesterday' };
    for (const form of [born('2005-02-30'), born('05/03/2005'), born('2005-13'), badTime]) {
      const outcome = await renderAuthorizationForm(form, 'en').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(outcome).to.be.instanceOf(RangeError);
    }
  });
});

/**
 * The words of the portal and email authorization form (DESIGN.md promise 10), in English and
 * Spanish. The Spanish object `satisfies` the English one's type, so neither can miss or add a key
 * (DESIGN.md "Habits" 7). Kept beside the PDF renderer: only the form uses them.
 */

const en = {
  title: 'Patient portal and email authorization',
  phone: (phone: string) => `Phone: ${phone}`,

  patientSection: 'Patient',
  patientName: 'Patient’s full name',
  birthDate: 'Date of birth',
  mrn: 'Medical record number',
  patientEmail: 'Patient’s email',
  physician: 'Physician',

  authorizationSection: 'Authorization',
  statements: (practice: string) => [
    `I authorize ${practice} to create a patient portal account for the patient named on this form and to communicate by email with the person named below as the portal user.`,
    'I understand that email has risks: a message can reach the wrong person if an address is mistyped or shared, and anyone who can open the email account can read what is sent to it.',
    'I understand that the person invited to use the portal sees everything the patient sees in the portal, including the treatment plan and progress.',
    `I may stop using the portal at any time and ask ${practice} to deactivate the account.`,
    `I may ask ${practice} to update the email address on the account.`,
  ],

  signerSection: 'Signed by',
  signerPatient: 'The patient',
  signerDesignee: 'A designee named by the patient',
  designeeName: 'Designee’s full name',
  designeeRelationship: 'Relationship to the patient',
  designeeEmail: 'Designee’s email',
  authorizedUserEmail: 'Email of the person who will use the portal',
  signedOnPaper: (practice: string) => `This form was signed on paper. ${practice} keeps the signed original; this document is a copy of what was recorded.`,

  staffSection: 'Staff verification',
  verified: (staff: string, when: string) => `Identity and authorization of the signer confirmed by ${staff} on ${when}.`,
  staffNote: 'Staff note',

  footer: (formId: string, date: string) => `Form ${formId} · recorded ${date}`,
  page: (page: number, pages: number) => `Page ${page} of ${pages}`,
};

export type AuthorizationFormText = typeof en;

const es = {
  title: 'Autorización para el portal del paciente y el correo electrónico',
  phone: (phone: string) => `Teléfono: ${phone}`,

  patientSection: 'Paciente',
  patientName: 'Nombre completo del paciente',
  birthDate: 'Fecha de nacimiento',
  mrn: 'Número de historia clínica',
  patientEmail: 'Correo electrónico del paciente',
  physician: 'Médico',

  authorizationSection: 'Autorización',
  statements: (practice: string) => [
    `Autorizo a ${practice} a crear una cuenta en el portal del paciente para el paciente nombrado en este formulario y a comunicarse por correo electrónico con la persona indicada abajo como usuaria del portal.`,
    'Entiendo que el correo electrónico tiene riesgos: un mensaje puede llegar a otra persona si la dirección está mal escrita o es compartida, y cualquier persona que pueda abrir la cuenta de correo puede leer lo que se envía a ella.',
    'Entiendo que la persona invitada a usar el portal ve todo lo que ve el paciente en el portal, incluidos el plan de tratamiento y el progreso.',
    `Puedo dejar de usar el portal en cualquier momento y pedir a ${practice} que desactive la cuenta.`,
    `Puedo pedir a ${practice} que actualice la dirección de correo electrónico de la cuenta.`,
  ],

  signerSection: 'Firmado por',
  signerPatient: 'El paciente',
  signerDesignee: 'Una persona designada por el paciente',
  designeeName: 'Nombre completo de la persona designada',
  designeeRelationship: 'Relación con el paciente',
  designeeEmail: 'Correo electrónico de la persona designada',
  authorizedUserEmail: 'Correo electrónico de la persona que usará el portal',
  signedOnPaper: (practice: string) => `Este formulario se firmó en papel. ${practice} conserva el original firmado; este documento es una copia de lo que se registró.`,

  staffSection: 'Verificación del personal',
  verified: (staff: string, when: string) => `Identidad y autorización de la persona que firmó confirmadas por ${staff} el ${when}.`,
  staffNote: 'Nota del personal',

  footer: (formId: string, date: string) => `Formulario ${formId} · registrado el ${date}`,
  page: (page: number, pages: number) => `Página ${page} de ${pages}`,
} satisfies AuthorizationFormText;

export const authorizationFormText: Readonly<Record<'es' | 'en', AuthorizationFormText>> = { es, en };

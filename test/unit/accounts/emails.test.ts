import { expect } from 'chai';
import { invitationEmail, lockoutEmail } from '../../../src/accounts/emails.ts';

const practice = { name: 'Clínica Sol', phone: '+1 555 0199' };

describe('account emails', () => {
  it('writes the invitation in the patient’s language, with the link in text and HTML and the form attached', () => {
    const link = 'https://portal.example/register?t=abc';
    const es = invitationEmail('es', practice, 'p@example.org', link, Buffer.from('%PDF'));
    expect(es.subject).to.equal('Su enlace de registro al portal del paciente de Clínica Sol');
    expect(es.text).to.include(link);
    expect(es.html).to.include(`<a href="${link}">`);
    expect(es.html).to.include('lang="es"');
    expect(es.attachments?.[0]).to.deep.include({ filename: 'autorizacion-portal.pdf', contentType: 'application/pdf' });
    const en = invitationEmail('en', practice, 'p@example.org', link);
    expect(en.subject).to.equal('Your Clínica Sol patient portal registration link');
    expect(en.attachments).to.equal(undefined);
  });

  it('escapes practice details in HTML', () => {
    const message = lockoutEmail('en', { name: 'A <b>&</b> B', phone: '1' }, 'p@example.org', 15);
    expect(message.html).to.include('A &lt;b&gt;&amp;&lt;/b&gt; B');
    expect(message.text).to.include('15 minutes');
  });
});

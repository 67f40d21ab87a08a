import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { checkPassword, maximumPasswordLength, minimumPasswordLength } from '../../../src/accounts/password-policy.ts';

const carla = {
  email: 'carla.echevarria@example.com',
  practiceName: 'Clínica del Valle',
  givenName: 'Carla',
  familyName: 'Echevarría',
} as const;

const ok = { ok: true } as const;
const refused = (code: string) => ({ ok: false, code });

describe('password policy (NIST SP 800-63B-4 §3.1.1.2)', () => {
  it('exports the limits', () => {
    expect(minimumPasswordLength).to.equal(8);
    expect(maximumPasswordLength).to.equal(128);
  });

  describe('length in Unicode code points after NFKC', () => {
    it('refuses 7 and accepts 8, counting accented letters once', () => {
      expect(checkPassword('ñandú 4', {})).to.deep.equal(refused('password_too_short'));
      expect(checkPassword('ñandú 42', {})).to.deep.equal(ok);
    });

    it('counts an emoji as one character, not as its two UTF-16 units', () => {
      expect('🌵🐙🎈🍋🚲🧩🌙'.length).to.equal(14);
      expect(checkPassword('🌵🐙🎈🍋🚲🧩🌙', {})).to.deep.equal(refused('password_too_short'));
      expect(checkPassword('🌵🐙🎈🍋🚲🧩🌙🎻', {})).to.deep.equal(ok);
    });

    it('counts a letter with a combining accent once (NFKC composes it)', () => {
      const sevenComposed = 'tzqkr\u0301wm\u0301'; // 9 code points as typed, 7 after NFKC
      expect([...sevenComposed].length).to.equal(9);
      expect(checkPassword(sevenComposed, {})).to.deep.equal(refused('password_too_short'));
      expect(checkPassword(`${sevenComposed}x`, {})).to.deep.equal(ok);
    });

    it('counts a compatibility ligature as the letters it stands for', () => {
      expect(checkPassword('tz\uFB01kqwm', {})).to.deep.equal(ok); // "ﬁ" is "fi": 8 after NFKC
    });

    it('accepts 64 and 128 characters and refuses 129', () => {
      const unit = 'Río Grande, 1848. ';
      const text = (length: number) => unit.repeat(10).slice(0, length);
      expect(checkPassword(text(64), {})).to.deep.equal(ok);
      expect(checkPassword(text(128), {})).to.deep.equal(ok);
      expect(checkPassword(text(129), {})).to.deep.equal(refused('password_too_long'));
    });
  });

  describe('no composition rules', () => {
    it('accepts lowercase passphrases with spaces and no digits or symbols', () => {
      expect(checkPassword('correct horse battery staple', carla)).to.deep.equal(ok);
      expect(checkPassword('mi perro se llama pepe', carla)).to.deep.equal(ok);
    });

    it('accepts any printable Unicode', () => {
      expect(checkPassword('¿Dónde está el árbol? 🌳', carla)).to.deep.equal(ok);
      expect(checkPassword('東京の夜は長いです', carla)).to.deep.equal(ok);
    });
  });

  describe('common and breached passwords', () => {
    it('ships the list with the entries these tests rely on', () => {
      const list = new Set(readFileSync(new URL('../../../data/passwords/common-passwords.txt', import.meta.url), 'utf8').split('\n'));
      expect(list.size).to.be.greaterThan(20000);
      for (const entry of ['password1', 'iloveyou123', 'passw0rd', 'trustno1', 'qwerty123']) expect(list.has(entry), entry).to.equal(true);
    });

    it('refuses listed passwords whatever their case', () => {
      for (const password of ['password1', 'PASSWORD1', 'PassWord1', 'iloveyou123', 'ILoveYou123', 'passw0rd', 'Trustno1', 'qwerty123']) {
        expect(checkPassword(password, {}), password).to.deep.equal(refused('password_common'));
      }
    });

    it('refuses a listed password split by spaces', () => {
      expect(checkPassword('i love you 123', {})).to.deep.equal(refused('password_common'));
    });
  });

  describe('context-specific words and simple patterns', () => {
    it('refuses the email, its local part and the person’s names, with or without accents and case', () => {
      for (const password of ['carla.echevarria@example.com', 'carla.echevarria', 'Echevarría', 'ECHEVARRIA', 'CarlaEchevarria']) {
        expect(checkPassword(password, carla), password).to.deep.equal(refused('password_context'));
      }
    });

    it('refuses a context word with only a little added', () => {
      for (const password of ['carla2005', 'Carla Echevarria 2005', 'echevarria!!', 'carlapassword1', 'clinicadelvalle1', 'Clínica del Valle 24']) {
        expect(checkPassword(password, carla), password).to.deep.equal(refused('password_context'));
      }
    });

    it('refuses the service’s own names', () => {
      for (const password of ['puenteportal', 'Puente2024!', 'portal portal', 'mi portal 1']) {
        expect(checkPassword(password, {}), password).to.deep.equal(refused('password_context'));
      }
    });

    it('accepts a password that stands on its own beside a context word', () => {
      expect(checkPassword('Carla hikes the Andes at dawn', carla)).to.deep.equal(ok);
      expect(checkPassword('Carla loves tango', carla)).to.deep.equal(ok);
    });

    it('uses the context it is given: the same password is fine for someone else', () => {
      expect(checkPassword('carla2005', { givenName: 'Lucía' })).to.deep.equal(ok);
    });

    it('ignores very short name parts and articles', () => {
      const context = { givenName: 'Li', familyName: 'de los Santos' };
      expect(checkPassword('model airplane', context)).to.deep.equal(ok);
      expect(checkPassword('santos1990', context)).to.deep.equal(refused('password_context'));
    });

    it('refuses repeated and sequential characters', () => {
      // None of these is in the shipped list: the pattern rule is what refuses them.
      for (const password of ['éééééééééé', 'lmnopqrs', 'srqponml', '78901234', 'abababab', 'xyz!xyz!xyz!', 'ñ ñ ñ ñ ñ ñ ñ ñ']) {
        expect(checkPassword(password, {}), password).to.deep.equal(refused('password_context'));
      }
    });

    it('refuses a common password repeated', () => {
      expect(checkPassword('password1password1', {})).to.deep.equal(refused('password_context'));
    });
  });

  it('reports the first problem in order: length, then the list, then context', () => {
    expect(checkPassword('carla', carla)).to.deep.equal(refused('password_too_short'));
    expect(checkPassword('carla'.repeat(30), carla)).to.deep.equal(refused('password_too_long'));
    expect(checkPassword('12345678', carla)).to.deep.equal(refused('password_common'));
  });
});

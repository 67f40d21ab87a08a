import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import nock from 'nock';
import { securityHeaders } from '../../../src/http/security-headers.ts';
import { resolveLocale } from '../../../src/http/locale.ts';
import { createShareViewerRouter } from '../../../src/web/share-viewer-router.ts';
import { shlViewerScript } from '../../../src/web/assets/shl-viewer-script.ts';

const practice = { name: 'Clínica Puente', phone: '555-0100', timeZone: 'America/Chicago' } as never;

describe('share-link viewer page (/s)', () => {
  let server: Server;
  let base: string;
  before(async () => {
    nock.enableNetConnect('127.0.0.1');
    const app = express();
    app.use(securityHeaders({ https: false }));
    app.use(resolveLocale);
    app.use(createShareViewerRouter({ practice }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    nock.disableNetConnect();
  });

  it('renders in the visitor’s language, with the script’s messages and a no-JavaScript notice', async () => {
    const es = await (await fetch(`${base}/s`, { headers: { 'accept-language': 'es' } })).text();
    expect(es).to.include('<html lang="es">');
    expect(es).to.include('data-msg-wrong="Ese código de acceso no es correcto. Intentos restantes: {n}."');
    expect(es).to.include('data-msg-gone="Este enlace venció o fue desactivado.');
    expect(es).to.match(/<noscript>.*JavaScript/s);
    const en = await (await fetch(`${base}/s`, { headers: { 'accept-language': 'en' } })).text();
    expect(en).to.include('<html lang="en">');
    expect(en).to.include('data-msg-wrong="That passcode is not right. Attempts left: {n}."');
    expect(en).to.include('<label for="recipient">Your name</label>');
    expect(en).to.include('<label for="passcode">Passcode</label>');
  });

  it('loads its script from the portal only and allows blob: frames and objects on this page alone', async () => {
    const response = await fetch(`${base}/s`);
    const page = await response.text();
    expect(page.match(/<script[^>]*>/g)).to.deep.equal(['<script src="/assets/shl-viewer.js" defer>']);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include('frame-src blob:');
    expect(csp).to.include('object-src blob:');
    expect(csp).to.include("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).to.equal('no-store');
    const script = await fetch(`${base}/assets/shl-viewer.js`);
    expect(script.headers.get('content-type')).to.match(/^text\/javascript/);
    expect(await script.text()).to.equal(shlViewerScript);
  });

  it('keeps the payload in the fragment: the script reads location.hash and posts only recipient and passcode', () => {
    expect(shlViewerScript).to.include('location.hash');
    expect(shlViewerScript).to.include("credentials: 'omit'");
    expect(shlViewerScript).to.match(/JSON\.stringify\(\{ recipient: recipient, passcode: passcode, embeddedLengthMax: \d+ \}\)/);
    expect(() => new Function(shlViewerScript)).not.to.throw();
  });
});

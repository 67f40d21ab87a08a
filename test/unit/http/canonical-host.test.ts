import { expect } from 'chai';
import express from 'express';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { canonicalHost, isPublicHost, localTarget } from '../../../src/http/canonical-host.ts';
import { errorHandler } from '../../../src/http/error-handler.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw HTTP request to loopback with any Host header (fetch does not let a caller set Host). */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'note=hello' : undefined);
  });
}

describe('canonical host', () => {
  const publicUrl = new URL('https://portal.clinic.example');
  let server: Server;
  let port: number;
  let trustProxy = 0;
  const executed: string[] = [];

  before(async () => {
    nock.enableNetConnect('127.0.0.1');
    const app = express();
    // The real app sets this from TRUST_PROXY; read per request here so a test can change it.
    app.set('trust proxy', (_address: string, hop: number) => hop < trustProxy);
    app.use(canonicalHost({ publicUrl }));
    app.all('/{*path}', (req, res) => {
      executed.push(`${req.method} ${req.originalUrl}`);
      res.send('served');
    });
    app.use(errorHandler({ error() {} } as never, (input) => `<h1>${input.message}</h1>`));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    nock.disableNetConnect();
  });
  beforeEach(() => {
    executed.length = 0;
    trustProxy = 0;
  });

  it('serves requests for the public host, its default port spelled out or in capitals', async () => {
    for (const host of ['portal.clinic.example', 'portal.clinic.example:443', 'Portal.Clinic.EXAMPLE']) {
      const answer = await send(port, 'GET', '/record?x=1', { host });
      expect(answer.status, host).to.equal(200);
      expect(answer.body, host).to.equal('served');
    }
    expect(await send(port, 'POST', '/auth/login', { host: 'portal.clinic.example', 'content-type': 'application/x-www-form-urlencoded' })).to.include({ status: 200 });
    expect(executed).to.deep.equal(['GET /record?x=1', 'GET /record?x=1', 'GET /record?x=1', 'POST /auth/login']);
  });

  it('sends GET and HEAD on any other host to the same path and query on the public origin (301, not cached)', async () => {
    for (const host of [`127.0.0.1:${port}`, 'localhost', 'portal.clinic.example:8443', '10.0.0.7']) {
      const answer = await send(port, 'GET', '/record/results?category=laboratory&page=2', { host });
      expect(answer.status, host).to.equal(301);
      expect(answer.headers['location'], host).to.equal('https://portal.clinic.example/record/results?category=laboratory&page=2');
      expect(answer.headers['cache-control'], host).to.equal('no-store');
    }
    const head = await send(port, 'HEAD', '/fhir/metadata', { host: `127.0.0.1:${port}` });
    expect(head.status).to.equal(301);
    expect(head.headers['location']).to.equal('https://portal.clinic.example/fhir/metadata');
    expect(executed, 'nothing ran on the wrong host').to.deep.equal([]);
  });

  it('keeps a redirect on the public origin whatever the path says', async () => {
    const answer = await send(port, 'GET', '//evil.example/phish', { host: 'localhost' });
    expect(answer.status).to.equal(301);
    expect(answer.headers['location']).to.equal('https://portal.clinic.example//evil.example/phish');
    expect(new URL(answer.headers['location'] as string).origin).to.equal('https://portal.clinic.example');
  });

  it('answers other methods on another host with 421 Misdirected Request, localized, and never runs them', async () => {
    const form = { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' };
    const json = await send(port, 'POST', '/auth/login', { ...form, accept: 'application/json', 'accept-language': 'en' });
    expect(json.status).to.equal(421);
    expect(JSON.parse(json.body)).to.deep.equal({
      error: 'misdirected_request',
      message: 'This request reached the portal under another address, so it was not carried out. Open the portal at its usual address and try again.',
    });
    const page = await send(port, 'POST', '/auth/login', { ...form, accept: 'text/html', 'accept-language': 'es-MX,es;q=0.9' });
    expect(page.status).to.equal(421);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    expect(page.body).to.equal('<h1>Esta solicitud llegó al portal con otra dirección, así que no se realizó. Abra el portal en su dirección habitual e inténtelo de nuevo.</h1>');
    for (const method of ['PUT', 'DELETE', 'PATCH']) expect((await send(port, method, '/fhir/Patient/1', { host: 'localhost' })).status, method).to.equal(421);
    expect(executed).to.deep.equal([]);
  });

  it('reads X-Forwarded-Host only from a trusted proxy (TRUST_PROXY)', async () => {
    const behindProxy = { host: 'portal:3000', 'x-forwarded-host': 'portal.clinic.example' };
    const untrusted = await send(port, 'GET', '/record', behindProxy);
    expect(untrusted.status, 'no trusted proxy: the Host header decides').to.equal(301);

    trustProxy = 1;
    expect((await send(port, 'GET', '/record', behindProxy)).status).to.equal(200);
    const spoofed = await send(port, 'GET', '/record', { host: 'portal.clinic.example', 'x-forwarded-host': 'evil.example' });
    expect(spoofed.status, 'the proxy says the browser asked for another host').to.equal(301);
    expect(spoofed.headers['location']).to.equal('https://portal.clinic.example/record');
    expect(executed).to.deep.equal(['GET /record']);
  });

  it('compares hosts exactly (pure pieces)', () => {
    const local = new URL('http://localhost:3000');
    expect(isPublicHost('localhost:3000', local)).to.equal(true);
    expect(isPublicHost('localhost', local), 'port 80 is not 3000').to.equal(false);
    expect(isPublicHost('127.0.0.1:3000', local)).to.equal(false);
    expect(isPublicHost('localhost:3000.evil.example', local)).to.equal(false);
    expect(isPublicHost(undefined, local)).to.equal(false);
    expect(isPublicHost('localhost:80', new URL('http://localhost'))).to.equal(true);
    expect(isPublicHost('[::1]:3000', new URL('http://[::1]:3000'))).to.equal(true);
    expect(localTarget('/a?b=c')).to.equal('/a?b=c');
    expect(localTarget('*')).to.equal('/');
    // An absolute-form request target (RFC 9112 §3.2.2) is not carried over (nock, which guards the unit suite's network, cannot send one).
    expect(localTarget('http://evil.example/phish')).to.equal('/');
  });
});

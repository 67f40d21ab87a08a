import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.ts';
import { readEnv } from '../../src/config/env.ts';
import { createLogger } from '../../src/core/log.ts';
import { createContext, type Context } from '../../src/context.ts';
import { createApp } from '../../src/app.ts';
import { startHapi } from '../../scripts/lib/hapi-process.ts';
import { fhirProbePath } from '../../src/store/readiness.ts';
import { testEnvironment } from '../support/environment.ts';

describe('portal health, readiness and logs (real HAPI, PGlite store)', function () {
  this.timeout(360_000);
  const logLines: string[] = [];
  let ctx: Context;
  let server: Server;
  let base: string;

  before(async () => {
    const config = loadConfig(
      readEnv({
        PUENTE_ENV: 'development',
        FHIR_UPSTREAM_URL: testEnvironment().hapi.baseUrl,
        PGLITE_DATA_DIR: 'memory://',
        LOG_LEVEL: 'debug',
      }),
    );
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    ctx = await createContext(config, createLogger('debug', sink));
    server = createApp(ctx).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    await ctx?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

  it('answers /healthz and /readyz when everything is up', async () => {
    const health = await get('/healthz');
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready', checks: { store: 'up', fhir: 'up' } });
  });

  it('probes HAPI with its CapabilityStatement trimmed to one element, not the whole 1.5 MB statement', async () => {
    const response = await fetch(`${testEnvironment().hapi.baseUrl}/${fhirProbePath}`, { headers: { accept: 'application/fhir+json' } });
    const text = await response.text();
    expect(response.status).to.equal(200);
    expect(JSON.parse(text)).to.include({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    expect(text.length).to.be.lessThan(1024);
  });

  it('sends a page asked for on another host name to PUBLIC_URL, while the probes above answer on any host', async () => {
    // This portal listens on 127.0.0.1 with PUBLIC_URL's development default, http://localhost:3000.
    expect(ctx.config.publicUrl.origin).to.equal('http://localhost:3000');
    const page = await fetch(`${base}/auth/login?next=%2Frecord`, { redirect: 'manual' });
    expect(page.status).to.equal(301);
    expect(page.headers.get('location')).to.equal('http://localhost:3000/auth/login?next=%2Frecord');
    const post = await fetch(`${base}/auth/login`, { method: 'POST', redirect: 'manual', headers: { accept: 'application/json' } });
    expect(post.status).to.equal(421);
    expect(((await post.json()) as { error: string }).error).to.equal('misdirected_request');
  });

  it('logs JSON lines with a request id, and no tokens, cookies or query values', async () => {
    logLines.length = 0;
    const response = await get('/readyz?name=Mar%C3%ADa%20Secreta&birthdate=1970-01-01', {
      authorization: 'Bearer eyJ.secret-token.value',
      cookie: 'puente.sid=secret-session-cookie',
      'x-request-id': 'test-request-0001',
    });
    expect(response.headers.get('x-request-id')).to.equal('test-request-0001');
    await new Promise((r) => setTimeout(r, 50));
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const access = entries.find((e) => e['msg'] === 'request');
    expect(access).to.include({ requestId: 'test-request-0001', method: 'GET', path: '/readyz', status: 200 });
    const all = logLines.join('\n');
    for (const secret of ['secret-token', 'secret-session-cookie', 'María', 'Mar%C3%ADa', 'Secreta', '1970-01-01']) {
      expect(all, secret).not.to.include(secret);
    }
  });

  it('turns /readyz to 503 naming the FHIR server while HAPI is down, and back to 200 when it returns', async () => {
    const environment = testEnvironment();
    await environment.hapi.stop();
    const down = await get('/readyz');
    expect(down.status).to.equal(503);
    expect(await down.json()).to.deep.equal({ status: 'unavailable', failing: ['fhir'], checks: { store: 'up', fhir: 'down' } });
    expect((await get('/healthz')).status, 'the process itself is fine').to.equal(200);

    // Same port and data directory: the portal keeps its configuration and is never restarted.
    environment.replaceHapi(await startHapi(environment.hapiOptions));
    const up = await get('/readyz');
    expect(up.status).to.equal(200);
    expect(await up.json()).to.deep.equal({ status: 'ready', checks: { store: 'up', fhir: 'up' } });
  });

  it('turns /readyz to 503 naming the store when the store is gone', async () => {
    await ctx.db.close();
    const response = await get('/readyz');
    expect(response.status).to.equal(503);
    expect(((await response.json()) as { failing: string[] }).failing).to.deep.equal(['store']);
  });
});

import { expect } from 'chai';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { startPortal, type RunningPortal } from '../../scripts/lib/portal-process.ts';
import { freePort } from '../../scripts/lib/net.ts';
import { testEnvironment } from '../support/environment.ts';

/**
 * Issue 15, point 2: a real portal process (node src/main.ts, real HAPI, PGlite store) is sent SIGTERM
 * while a request is in flight. The request here is a token request whose body arrives in two halves,
 * so it is provably inside the server (headers read, body half read) when the signal lands, and stays
 * there for as long as the test holds the second half back.
 */
describe('graceful shutdown of a real portal process (SIGTERM mid-request)', function () {
  this.timeout(120_000);
  const drainMs = 1500;
  const timeoutMs = 12_000;
  let portal: RunningPortal | undefined;

  async function start(name: string): Promise<RunningPortal> {
    const port = await freePort();
    return startPortal({
      name,
      port,
      logFile: join(testEnvironment().workDir, `${name}.log`),
      env: {
        PUENTE_ENV: 'development',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        FHIR_UPSTREAM_URL: testEnvironment().hapi.baseUrl,
        PGLITE_DATA_DIR: join(testEnvironment().workDir, `${name}-pglite`),
        SHUTDOWN_DRAIN_MS: String(drainMs),
        SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
        LOG_LEVEL: 'info',
      },
    });
  }

  afterEach(async () => {
    await portal?.stop(1000);
    portal = undefined;
  });

  /** Starts POST /oidc/token with only the first half of its body sent. */
  function halfSentTokenRequest(base: string): { req: ClientRequest; response: Promise<{ res: IncomingMessage; body: string }>; rest: string } {
    const body = 'grant_type=client_credentials&client_id=no-such-client&scope=system%2FPatient.rs';
    const half = Math.floor(body.length / 2);
    const req = request(`${base}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), accept: 'application/json' },
    });
    const response = new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.once('end', () => resolve({ res, body: text }));
        res.once('error', reject);
      });
    });
    req.write(body.slice(0, half));
    return { req, response, rest: body.slice(half) };
  }

  it('turns /readyz 503 first, refuses new connections after the drain, finishes the request in flight and exits 0 in time', async () => {
    portal = await start('shutdown-clean');
    const ready = await fetch(`${portal.baseUrl}/readyz`);
    expect(ready.status).to.equal(200);

    const inFlight = halfSentTokenRequest(portal.baseUrl);
    await new Promise((r) => setTimeout(r, 300)); // the headers and half the body are in the server
    const signalledAt = Date.now();
    portal.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));

    // 1. Draining: still answering, but /readyz says 503 so the balancer stops sending; liveness stays 200.
    const draining = await fetch(`${portal.baseUrl}/readyz`);
    expect(draining.status).to.equal(503);
    expect(await draining.json()).to.deep.equal({ status: 'draining' });
    expect(draining.headers.get('connection')).to.equal('close');
    expect((await fetch(`${portal.baseUrl}/healthz`)).status).to.equal(200);

    // 2. After the drain the listener is closed: a new connection is refused.
    await new Promise((r) => setTimeout(r, drainMs + 500 - (Date.now() - signalledAt)));
    const refused = await fetch(`${portal.baseUrl}/healthz`).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(refused).to.equal('ECONNREFUSED');
    expect(portal.process.exitCode, 'still running while a request is in flight').to.equal(null);

    // 3. The request in flight completes with a real answer (oidc-provider's refusal of an unknown client).
    inFlight.req.end(inFlight.rest);
    const { res, body } = await inFlight.response;
    expect(res.statusCode).to.be.oneOf([400, 401]);
    expect(JSON.parse(body)).to.have.property('error', 'invalid_client');
    expect(res.headers['connection']).to.equal('close');

    // 4. Then the process releases what it holds and exits 0, well within SHUTDOWN_TIMEOUT_MS.
    const code = await portal.exited;
    const tookMs = Date.now() - signalledAt;
    expect(code).to.equal(0);
    expect(tookMs).to.be.lessThan(timeoutMs);
  });

  it('cuts a request still in flight at SHUTDOWN_TIMEOUT_MS and exits 1, never later', async () => {
    portal = await start('shutdown-deadline');
    const stuck = halfSentTokenRequest(portal.baseUrl);
    const outcome = stuck.response.then(
      () => 'answered',
      (error: Error & { code?: string }) => error.code ?? error.message,
    );
    await new Promise((r) => setTimeout(r, 300));
    const signalledAt = Date.now();
    portal.process.kill('SIGTERM');
    const code = await portal.exited;
    const tookMs = Date.now() - signalledAt;
    expect(code).to.equal(1);
    expect(tookMs).to.be.at.least(timeoutMs - 100);
    expect(tookMs).to.be.lessThan(timeoutMs + 3000);
    expect(await outcome).to.equal('ECONNRESET');
  });
});

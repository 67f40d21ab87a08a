/**
 * A tiny static server for the test SMART app (launch.html, index.html) and SMART Health IT's
 * fhirclient browser bundle, on its own loopback origin so the app is a real cross-origin client
 * of the portal, as any third-party app is.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../scripts/lib/net.ts';
import { fhirclientBundlePath } from './fhirclient-bundle.ts';

export interface RunningSmartApp {
  /** The app's origin, e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** The redirect URI to register: exactly `<origin>/index.html`. */
  readonly redirectUri: string;
  launchUrl(query: { client: string; iss: string; scope?: string }): string;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function startSmartApp(): Promise<RunningSmartApp> {
  const files: Record<string, { type: string; body: Buffer }> = {
    '/launch.html': { type: 'text/html; charset=utf-8', body: readFileSync(join(here, 'launch.html')) },
    '/index.html': { type: 'text/html; charset=utf-8', body: readFileSync(join(here, 'index.html')) },
    '/fhir-client.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(fhirclientBundlePath()) },
  };
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = req.method === 'GET' ? files[path] : undefined;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  server.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    redirectUri: `${origin}/index.html`,
    launchUrl: ({ client, iss, scope }) => `${origin}/launch.html?${new URLSearchParams({ client, iss, ...(scope ? { scope } : {}) })}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

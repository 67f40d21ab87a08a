import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import { loadRun } from '../../../scripts/lib/load-generator.ts';

/** Answers after a few milliseconds and ends each connection after 100 requests, as HAPI's Tomcat does. */
async function tomcatLikeServer(): Promise<Server> {
  const served = new WeakMap<object, number>();
  const server = createServer((req, res) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    // The 100th answer says so and the connection ends after it (Node's own maxRequestsPerSocket answers 503 instead).
    if (count >= 100) res.setHeader('connection', 'close');
    setTimeout(() => res.end('{"resourceType":"Bundle"}'), 2);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('load generator (scripts/lib/load-generator.ts)', () => {
  let server: Server;
  before(async () => {
    // autocannon opens real sockets: to its own server on loopback only.
    nock.enableNetConnect('127.0.0.1');
    server = await tomcatLikeServer();
  });
  after(() => {
    server.close();
    nock.disableNetConnect();
  });

  it('times each response from its own request against a server that closes connections after 100 requests', async function () {
    this.timeout(20_000);
    const seconds = 3;
    const result = await loadRun({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, connections: 1, duration: seconds });
    expect(result.errors + result.non2xx).to.equal(0);
    // Several hundred requests, so the server ended connections several times.
    expect(result.requests.total).to.be.greaterThan(300);
    // One connection, one request at a time: the latencies cannot add up to more than the run lasted
    // (plain autocannon 9 times responses from earlier requests after the server's closes: 20.6 s in a 3-s run).
    const summedLatencySeconds = (result.latency.mean * result.requests.total) / 1000;
    expect(summedLatencySeconds).to.be.lessThan(seconds * 1.2);
  });
});

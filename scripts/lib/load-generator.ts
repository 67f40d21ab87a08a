/**
 * autocannon as `npm run load` and `npm run drills` use it: every connection is replaced after
 * `requestsPerConnection` requests, by autocannon itself.
 *
 * Why: a server that ends a keep-alive connection after so many requests (HAPI's Tomcat after 100,
 * `maxKeepAliveRequests`) answers the last one with `Connection: close`. autocannon 9 writes its next
 * request on that closing socket before it sees the close, never gets an answer to it, and still keeps it
 * first in the queue it matches responses to: from then on every response on that connection is timed
 * from the request before it. After k closes the latencies are k requests too long (direct HAPI at c=5
 * showed p50 303 ms at 370 req/s, where Little's law allows 14 ms). The request counts stay right. When
 * autocannon replaces the connection itself it empties that queue, and a connection that carries fewer
 * requests than the server's limit is never closed by the server.
 */
import autocannon from 'autocannon';

/** Under Tomcat's default keep-alive limit (100), with room to spare. */
const requestsPerConnection = 50;

export function loadRun(options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ ...options, reconnectRate: requestsPerConnection });
}

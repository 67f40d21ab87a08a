import { expect } from 'chai';
import { loadConfig } from '../../../src/config/config.ts';
import { readEnv } from '../../../src/config/env.ts';
import { problemsOf, productionEnv } from './config-fixtures.ts';

const production = productionEnv;

describe('config: graceful shutdown and metrics (SHUTDOWN_*, METRICS_*)', () => {
  it('drains 5 s within a 30 s deadline by default, and has no metrics listener', () => {
    const config = loadConfig(readEnv({ ...production }));
    expect(config.shutdown).to.deep.equal({ drainMs: 5000, timeoutMs: 30000 });
    expect(config.metrics).to.equal(undefined);
  });

  it('takes the shutdown times, and refuses a deadline not longer than the drain', () => {
    expect(loadConfig(readEnv({ ...production, SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '2000' })).shutdown).to.deep.equal({ drainMs: 0, timeoutMs: 2000 });
    expect(problemsOf({ ...production, SHUTDOWN_DRAIN_MS: '10000', SHUTDOWN_TIMEOUT_MS: '10000' })).to.deep.equal([
      'SHUTDOWN_TIMEOUT_MS: must be larger than SHUTDOWN_DRAIN_MS (in-flight requests need time after the drain)',
    ]);
    expect(problemsOf({ ...production, SHUTDOWN_TIMEOUT_MS: '10' })[0]).to.match(/^SHUTDOWN_TIMEOUT_MS: /);
  });

  it('binds metrics to loopback by default, on a port of their own', () => {
    expect(loadConfig(readEnv({ ...production, METRICS_PORT: '9464' })).metrics).to.deep.equal({ host: '127.0.0.1', port: 9464, token: undefined });
    expect(problemsOf({ ...production, METRICS_PORT: '3000' })).to.deep.equal(['METRICS_PORT: must differ from PORT (metrics never share the public listener)']);
  });

  it('requires a token of 32+ characters before metrics listen on any other address', () => {
    expect(problemsOf({ ...production, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).to.deep.equal(['METRICS_TOKEN: is required when METRICS_HOST is not a loopback address']);
    expect(problemsOf({ ...production, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: 'short' })[0]).to.match(/^METRICS_TOKEN: /);
    const token = 't'.repeat(32);
    expect(loadConfig(readEnv({ ...production, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: token })).metrics).to.deep.equal({
      host: '0.0.0.0',
      port: 9464,
      token,
    });
  });

  it('refuses METRICS_HOST or METRICS_TOKEN without METRICS_PORT, so a half configuration is not silently off', () => {
    expect(problemsOf({ ...production, METRICS_TOKEN: 't'.repeat(32) })).to.deep.equal([
      'METRICS_TOKEN: only takes effect with METRICS_PORT (metrics are off); set both or neither',
    ]);
  });
});

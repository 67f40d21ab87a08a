import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { processCpuSeconds, processTreeCpuSeconds } from '../../../scripts/lib/proc-cpu.ts';

/** Burns this much CPU (not wall-clock) time, so a busy machine cannot make it burn less. */
const burnCpuMs = 300;
const burn = `const until = ${burnCpuMs * 1000}; while (process.cpuUsage().user + process.cpuUsage().system < until) {}`;

/**
 * A stand-in for PostgreSQL's postmaster: a parent that forks a worker which burns CPU, then either exits (and is
 * waited for, like a closed connection's backend) or stays (a living backend). The parent prints "ready" after.
 */
async function parentWith(worker: 'exited' | 'living'): Promise<ChildProcess> {
  const script =
    worker === 'exited'
      ? `require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(burn)}]); console.log('ready'); setInterval(() => {}, 1000);`
      : `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(`${burn}; console.log('burnt'); process.stdin.on('end', () => process.exit(0)).resume();`)}]);
         c.stdout.once('data', () => console.log('ready')); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(parent.stdout!, 'data');
  return parent;
}

describe('CPU seconds from /proc (npm run load: where the CPU went)', function () {
  this.timeout(20_000);
  let parent: ChildProcess | undefined;
  afterEach(() => {
    // The living worker leaves when its stdin (a pipe from the parent) closes with the parent.
    parent?.kill('SIGKILL');
    parent = undefined;
  });

  it("counts a server's exited children, which the server alone does not show", async () => {
    parent = await parentWith('exited');
    expect(processCpuSeconds(parent.pid, { children: false })).to.be.below(burnCpuMs / 1000);
    expect(processTreeCpuSeconds(parent.pid)).to.be.at.least(burnCpuMs / 1000);
  });

  it("counts a server's children that are still running", async () => {
    parent = await parentWith('living');
    expect(processCpuSeconds(parent.pid)).to.be.below(burnCpuMs / 1000);
    expect(processTreeCpuSeconds(parent.pid)).to.be.at.least(burnCpuMs / 1000);
  });

  it('is 0 for a process that is not there', () => {
    expect(processTreeCpuSeconds(undefined)).to.equal(0);
    expect(processCpuSeconds(2 ** 22 + 1)).to.equal(0);
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../../../scripts/lib/paths.ts';
import { portalMallocEnv, portalNodeFlags } from '../../../scripts/lib/portal-process.ts';

/** The final image stage (issue 15 point 7): a numeric non-root user, the compiled portal, no build tools. */
describe('docker/Dockerfile', () => {
  const text = readFileSync(fromRoot('docker/Dockerfile'), 'utf8');
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));

  it('runs the final stage as a numeric non-root user', () => {
    const users = [...finalStage.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!);
    expect(users).to.have.length(1);
    const [uid, gid] = users[0]!.split(':').map(Number);
    expect(uid).to.be.greaterThan(0);
    expect(gid).to.be.greaterThan(0);
  });

  it('starts the compiled portal and writes nothing under /app at run time (no npm, no PGlite directory)', () => {
    expect(finalStage).to.match(/^CMD \["node", (?:"--[a-z-]+=\d+", )*"dist\/main\.js"\]$/m);
    expect(finalStage).not.to.match(/^RUN /m);
    expect(finalStage).not.to.match(/PGLITE_DATA_DIR|VOLUME/);
  });

  it('runs with the allocator settings and V8 heap flags the cluster measures with, and so does `npm start`', () => {
    const settings = Object.entries(portalMallocEnv)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
    expect(finalStage).to.include(`\nENV ${settings}\n`);
    const start = (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'];
    expect(start).to.equal(`${settings} node ${portalNodeFlags.join(' ')} dist/main.js`);
    expect(finalStage).to.include(`\nCMD ${JSON.stringify(['node', ...portalNodeFlags, 'dist/main.js']).replaceAll(',', ', ')}\n`);
  });
});

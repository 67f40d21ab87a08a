import { expect } from 'chai';
import { createProgressOutput, downloadedBytes, formatBytes, formatElapsed, progressLine, tailLines } from '../../../scripts/lib/build-progress.ts';

describe('build progress line (HAPI FHIR Maven build)', () => {
  it('reads the size of each finished download from Maven batch-mode lines, and nothing else', () => {
    // Lines as Maven 3.8.7 writes them with -B (captured from a real run against Maven Central).
    expect(
      downloadedBytes('[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/ca/uhn/hapi/fhir/hapi-fhir/8.8.0/hapi-fhir-8.8.0.pom (102 kB at 94 kB/s)'),
    ).to.equal(102_000);
    expect(
      downloadedBytes('[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/activemq/activemq-bom/6.1.8/activemq-bom-6.1.8.pom (7.9 kB at 129 kB/s)'),
    ).to.equal(7_900);
    expect(
      downloadedBytes(
        '[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/hibernate/orm/hibernate-core/6.6.33.Final/hibernate-core-6.6.33.Final.jar (12 MB at 5.1 MB/s)',
      ),
    ).to.equal(12_000_000);
    expect(downloadedBytes('[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/x/y/1/y-1.pom.sha1 (40 B at 1.2 kB/s)')).to.equal(40);
    expect(downloadedBytes('[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/x/y/1/y-1.pom (548 B)')).to.equal(548);
    expect(downloadedBytes('[INFO] Downloading from central: https://repo.maven.apache.org/maven2/ca/uhn/hapi/fhir/hapi-fhir/8.8.0/hapi-fhir-8.8.0.pom')).to.equal(undefined);
    expect(downloadedBytes('[INFO] BUILD SUCCESS')).to.equal(undefined);
  });

  it('says elapsed time and sizes briefly', () => {
    expect([0, 5_400, 59_999, 60_000, 80_000, 3_599_000, 3_720_000].map(formatElapsed)).to.deep.equal(['0s', '5s', '59s', '1m00s', '1m20s', '59m59s', '1h02m']);
    expect([400, 7_900, 999_499, 1_000_000, 354_400_000].map(formatBytes)).to.deep.equal(['0 kB', '8 kB', '999 kB', '1 MB', '354 MB']);
  });

  it('puts title, elapsed time and downloads in one line', () => {
    expect(progressLine('Building HAPI FHIR (first run downloads ~350 MB of Java libraries)', { elapsedMs: 80_000, files: 412, bytes: 120_400_000 })).to.equal(
      'Building HAPI FHIR (first run downloads ~350 MB of Java libraries)… 1m20s · 412 files (120 MB) downloaded',
    );
    expect(progressLine('Building HAPI FHIR', { elapsedMs: 12_000, files: 0, bytes: 0 })).to.equal('Building HAPI FHIR… 12s');
    expect(progressLine('Building HAPI FHIR', { elapsedMs: 2_000, files: 1, bytes: 102_000 })).to.equal('Building HAPI FHIR… 2s · 1 file (102 kB) downloaded');
  });

  it('redraws the line in place at a terminal, never wider than the terminal', () => {
    const written: string[] = [];
    const output = createProgressOutput({ tty: true, columns: 20, write: (text) => written.push(text), now: () => 0 });
    output.update('Building… 1s');
    output.update('Building… 2s');
    output.update('Building HAPI FHIR… 3s · 12 files (1 MB) downloaded');
    output.finish('Built HAPI FHIR in 3s · 12 files (1 MB) downloaded (log: var/log/hapi-build.log)');
    expect(written).to.deep.equal([
      '\r\x1b[2KBuilding… 1s',
      '\r\x1b[2KBuilding… 2s',
      '\r\x1b[2KBuilding HAPI FHIR…',
      '\r\x1b[2KBuilt HAPI FHIR in 3s · 12 files (1 MB) downloaded (log: var/log/hapi-build.log)\n',
    ]);
    expect('Building HAPI FHIR…'.length).to.be.lessThan(20);
  });

  it('prints plain lines, at most one per 30 s, when stdout is not a terminal (CI)', () => {
    const written: string[] = [];
    let clock = 0;
    const output = createProgressOutput({ tty: false, write: (text) => written.push(text), now: () => clock });
    for (clock = 0; clock <= 75_000; clock += 1000) output.update(`Building HAPI FHIR… ${formatElapsed(clock)}`);
    output.finish('Built HAPI FHIR in 1m16s');
    expect(written).to.deep.equal(['Building HAPI FHIR… 0s\n', 'Building HAPI FHIR… 30s\n', 'Building HAPI FHIR… 1m00s\n', 'Built HAPI FHIR in 1m16s\n']);
    expect(written.join('')).not.to.include('\r');
  });

  it('shows the end of a failed build log without colour codes or blank lines', () => {
    const log = [
      '\x1b[0m\x1b[0m[INFO] Scanning for projects...',
      '',
      '[ERROR] Failed to execute goal on project puente-hapi',
      '[ERROR] Could not resolve dependencies',
      '',
      '\x1b[0m',
    ].join('\n');
    expect(tailLines(log, 2)).to.deep.equal(['[ERROR] Failed to execute goal on project puente-hapi', '[ERROR] Could not resolve dependencies']);
    expect(tailLines(log, 10)).to.deep.equal([
      '[INFO] Scanning for projects...',
      '[ERROR] Failed to execute goal on project puente-hapi',
      '[ERROR] Could not resolve dependencies',
    ]);
  });
});

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fromRoot } from '../../../scripts/lib/paths.ts';

interface Service {
  image?: string;
  build?: unknown;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  ports?: string[];
}

const composeFile = fromRoot('docker/compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, Service> };
const requiredVariables = {
  PUBLIC_URL: 'https://portal.clinic.example',
  SECRET_KEYS: 'k'.repeat(40),
  SMTP_URL: 'smtps://relay.example:465',
  FHIR_DB_PASSWORD: 'x',
  PORTAL_DB_PASSWORD: 'y',
};

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return undefined;
}

describe('docker/compose.yml (production topology)', () => {
  it('runs HAPI on PostgreSQL, and the portal on a PostgreSQL database of its own', () => {
    expect(Object.keys(compose.services).sort()).to.deep.equal(['fhir', 'fhir-db', 'portal', 'portal-db']);
    expect(compose.services['fhir']!.environment!['SPRING_DATASOURCE_URL']).to.equal('jdbc:postgresql://fhir-db:5432/hapi');
    expect(compose.services['portal']!.environment!['DATABASE_URL']).to.match(/@portal-db:5432\/puente$/);
    expect(compose.services['portal']!.environment!['FHIR_UPSTREAM_URL']).to.equal('http://fhir:8080/fhir');
  });

  it('pins every image tag and builds the portal from the Dockerfile', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, name).to.match(/^[\w./-]+:[\w.-]+$/);
      expect(service.image, name).not.to.match(/:latest$/);
    }
    expect(compose.services['fhir']!.image).to.match(/^hapiproject\/hapi:v8\.8\.0/);
    expect(compose.services['portal']!.build).to.deep.equal({ context: '..', dockerfile: 'docker/Dockerfile' });
  });

  it('health-checks every service and starts each only after what it needs is healthy', () => {
    for (const [name, service] of Object.entries(compose.services)) expect(service.healthcheck?.test, name).to.exist;
    expect(compose.services['fhir']!.depends_on).to.deep.equal({ 'fhir-db': { condition: 'service_healthy' } });
    expect(compose.services['portal']!.depends_on).to.deep.equal({
      'portal-db': { condition: 'service_healthy' },
      fhir: { condition: 'service_healthy' },
    });
  });

  it('publishes only the portal', () => {
    const published = Object.entries(compose.services)
      .filter(([, s]) => s.ports)
      .map(([name]) => name);
    expect(published).to.deep.equal(['portal']);
  });

  it('is accepted by docker compose config', function () {
    const command = composeCommand();
    if (!command) {
      // CI checks this whenever a Docker client is installed (scripts/test.ts installs docker-compose next to it).
      expect(spawnSync('docker', ['--version'], { stdio: 'ignore' }).status, 'a docker client is present but no compose command').not.to.equal(0);
      this.skip();
    }
    const [file, ...args] = command!;
    const result = spawnSync(file!, [...args, '-f', composeFile, 'config', '--quiet'], { env: { ...process.env, ...requiredVariables }, encoding: 'utf8' });
    expect(result.stderr.trim(), result.stderr).to.equal('');
    expect(result.status).to.equal(0);
    const missing = spawnSync(file!, [...args, '-f', composeFile, 'config', '--quiet'], { env: { PATH: process.env['PATH'] }, encoding: 'utf8' });
    expect(missing.status, 'refuses to run without the required secrets').not.to.equal(0);
  });
});

/**
 * The only headers the facade sends to HAPI (DESIGN.md security model 1: the upstream request is
 * rebuilt, client headers are never forwarded). `Prefer: handling=strict` so HAPI cannot silently
 * drop a narrowing parameter; `no-cache` so a search is never answered from HAPI's search cache;
 * `identity` because HAPI sits next to the portal: gzip there would cost both ends CPU on every
 * response (on a small machine, the same cores) to save bytes on a local link.
 */
export const upstreamHeaders: Readonly<Record<string, string>> = {
  accept: 'application/fhir+json',
  prefer: 'handling=strict',
  'cache-control': 'no-cache',
  'accept-encoding': 'identity',
};

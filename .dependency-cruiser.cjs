/**
 * The import arrows between the top-level folders of src/, as docs/DESIGN.md "Source layout" draws them:
 *
 *   config, core ← store ← access ← auth ← capabilities (fhir, accounts, proxies, messaging, export) ← web, staff ← context, app, main
 *                  (web and staff call capabilities, never the store; capabilities may render with ui)
 *                  store ← http (request plumbing) ← ui (shared HTML rendering)
 *                  core  ← record (the patient record read through /fhir, FHIR → view models)
 *
 * `npm run lint:layers` runs this over src/; test/unit/layering/layering.test.ts runs it over small fixture trees.
 * "Imports" are relative imports of .ts files, static or dynamic, type-only imports included (a type import
 * still couples the layers). A folder may always import from itself. Every rule names the arrow it enforces.
 */

/** The composition root: src/context.ts, src/app.ts, src/main.ts. */
const COMPOSITION_ROOT = '^src/(context|app|main)[.]ts$';

const CAPABILITIES = ['fhir', 'accounts', 'proxies', 'messaging', 'export'];
/** Every top-level folder of src/ the layering places, bottom to top. */
const FOLDERS = ['config', 'core', 'store', 'access', 'auth', 'http', 'record', 'ui', ...CAPABILITIES, 'web', 'staff'];

/** A path regex for "a module in one of these top-level folders of src/". */
const inFolders = (...folders) => `^src/(${folders.join('|')})/`;

/**
 * The rule for one layer: its modules import only modules of its own folder and the listed ones. Each rule
 * looks only at imports of modules in the placed folders; the composition root and unplaced modules have
 * rules of their own, so every wrong import is reported by exactly one rule.
 */
const layer = ({ name, folder, mayImport, comment }) => ({
  name,
  comment,
  severity: 'error',
  from: { path: inFolders(folder) },
  to: { path: inFolders(...FOLDERS), pathNot: inFolders(folder, ...mayImport) },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ── the bottom: framework-free ground everything else stands on ──────────────────────────────────
    layer({
      name: 'config-imports-only-core',
      folder: 'config',
      mayImport: ['core'],
      comment: 'DESIGN "Source layout": config/ (env → config → secrets) is the bottom layer with core/; it imports only core/.',
    }),
    layer({
      name: 'core-imports-nothing-above',
      folder: 'core',
      mayImport: [],
      comment: 'DESIGN "Source layout": core/ is framework-free (errors, log, i18n, FHIR helpers) and imports nothing outside core/.',
    }),

    // ── persistence and who may act ──────────────────────────────────────────────────────────────────
    layer({
      name: 'store-imports-only-config-and-core',
      folder: 'store',
      mayImport: ['core', 'config'],
      comment: 'DESIGN "Source layout": config/core ← store; persistence knows nothing of access, auth, HTTP or pages.',
    }),
    layer({
      name: 'access-imports-only-store-and-below',
      folder: 'access',
      mayImport: ['store', 'core', 'config'],
      comment: 'DESIGN "Source layout": store ← access; who may act for which patient is decided below auth and the capabilities.',
    }),
    layer({
      name: 'auth-imports-only-access-and-below',
      folder: 'auth',
      mayImport: ['access', 'store', 'core', 'config'],
      comment: 'DESIGN "Source layout": access ← auth; oidc-provider, SMART launch and bearer/session checks sit below the capabilities.',
    }),

    // ── shared plumbing beside the spine ─────────────────────────────────────────────────────────────
    layer({
      name: 'http-imports-only-store-and-below',
      folder: 'http',
      mayImport: ['store', 'core', 'config'],
      comment:
        'DESIGN "Source layout": store ← http; request plumbing (request context, security headers, CSRF, cookies, locale, session, client address, error handler) holds no capability logic.',
    }),
    layer({
      name: 'record-imports-only-config-and-core',
      folder: 'record',
      mayImport: ['core', 'config'],
      comment: 'DESIGN "Source layout": core ← record; the record is read through the portal\'s own /fhir facade like any SMART app, never from the store or HAPI directly.',
    }),
    layer({
      name: 'ui-imports-only-http-and-below',
      folder: 'ui',
      mayImport: ['http', 'core', 'config'],
      comment: 'DESIGN "Source layout": http ← ui; shared HTML rendering (template, layout, page context, form fields) knows no capability.',
    }),

    // ── capabilities: each stands on the layers below and never on another capability ─────────────────
    {
      name: 'capabilities-never-import-each-other',
      comment: 'DESIGN "Source layout": capabilities (fhir, accounts, proxies, messaging, export) never import each other; what two of them share moves down.',
      severity: 'error',
      from: { path: inFolders(...CAPABILITIES) },
      to: { path: inFolders(...CAPABILITIES), pathNot: '^src/$1/' },
    },
    {
      name: 'capabilities-never-import-web-or-staff',
      comment:
        'DESIGN "Source layout": capabilities ← web/staff; a capability may render with ui (emails, the summary) but never reaches into the patient pages or the staff console.',
      severity: 'error',
      from: { path: inFolders(...CAPABILITIES) },
      to: { path: inFolders('web', 'staff') },
    },

    // ── the two surfaces ─────────────────────────────────────────────────────────────────────────────
    {
      name: 'web-and-staff-never-import-each-other',
      comment: 'DESIGN "Source layout": capabilities ← web/staff; the patient pages and the staff console are separate surfaces and share only what lies below them.',
      severity: 'error',
      from: { path: inFolders('web', 'staff') },
      to: { path: inFolders('web', 'staff'), pathNot: '^src/$1/' },
    },

    {
      name: 'surfaces-call-services-not-the-store',
      comment:
        'DESIGN "Source layout": routers call services, never the store; web/ and staff/ may name a store row\'s type (import type), but every read and write goes through a capability.',
      severity: 'error',
      from: { path: inFolders('web', 'staff') },
      to: { path: inFolders('store'), dependencyTypesNot: ['type-only'] },
    },

    // ── the composition root and the edges of src/ ───────────────────────────────────────────────────
    {
      name: 'only-the-composition-root-imports-it',
      comment:
        'DESIGN "Source layout": web/staff ← context/app/main; context.ts, app.ts and main.ts may import anything, and nothing else imports them (no module reaches for the whole context).',
      severity: 'error',
      from: { path: '^src/', pathNot: COMPOSITION_ROOT },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: 'src-folders-are-the-designed-ones',
      comment: 'DESIGN "Source layout": every imported module of src/ lives in a folder the layering places (or is the composition root); a new folder gets its arrows here first.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: [inFolders(...FOLDERS), COMPOSITION_ROOT] },
    },
    {
      name: 'src-never-imports-test-or-scripts',
      comment: 'DESIGN "Source layout": the shipped code (src/) never depends on test/ or scripts/; they depend on it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'no-circular',
      comment: 'DESIGN "Source layout": imports run downward, so no module reaches itself again through its imports (type-only imports included).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'relative-imports-resolve',
      comment: 'Not an arrow but what keeps the arrows honest: a relative import the resolver cannot follow would escape every rule above.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^[.]', couldNotResolve: true },
    },
  ],
  options: {
    // npm packages and Node built-ins are resolved (so a wrong relative import is seen) but never cruised into.
    doNotFollow: { path: ['node_modules', '^(test|scripts)/'] },
    // TypeScript 7 ships no JavaScript compiler API, which dependency-cruiser's own TypeScript parser needs; swc
    // parses the .ts sources instead and reports `import type` as a dependency (dependency type "type-only").
    parser: 'swc',
    // Kept false: `true` asks for the TypeScript compiler API; swc already keeps type-only imports (see above).
    tsPreCompilationDeps: false,
    // Imports carry explicit .ts extensions (allowImportingTsExtensions), which resolve as written.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};

/**
 * The share-link viewer's script (served as /assets/shl-viewer.js; no inline script, CSP script-src 'self').
 * SMART Health Links receiver steps: read the payload from `location.hash` (never sent to the server),
 * POST the manifest with the recipient and passcode, decrypt each compact JWE (alg dir, enc A256GCM:
 * the protected header as AAD, ciphertext ‖ tag) with WebCrypto, and show the files: the PDF in the page
 * (and a link to open it, for phones that do not show PDFs inline), the CCD and FHIR data as downloads.
 * The key never leaves the browser; the manifest URL must be this portal's own.
 */
export const shlViewerScript = `(function () {
  'use strict';
  var root = document.getElementById('shl-viewer');
  if (!root || !window.crypto || !window.crypto.subtle || !window.fetch) return;
  var $ = function (id) { return document.getElementById(id); };
  var msg = function (name) { return root.getAttribute('data-msg-' + name) || ''; };
  var form = $('shl-form'), problem = $('shl-problem'), problemText = $('shl-problem-text'), status = $('shl-status'), button = $('shl-open');
  root.hidden = false;

  function bytes(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function readPayload() {
    var hash = location.hash, at = hash.indexOf('shlink:/');
    if (at < 0) return null;
    try {
      var payload = JSON.parse(new TextDecoder().decode(bytes(hash.slice(at + 8))));
      if (typeof payload.url !== 'string' || typeof payload.key !== 'string' || bytes(payload.key).length !== 32) return null;
      if (new URL(payload.url).origin !== location.origin) return null;
      return payload;
    } catch (e) { return null; }
  }

  // The language switch comes back to this page: keep the fragment (browsers carry it across the redirect).
  var switches = document.querySelectorAll('a[hreflang]');
  for (var s = 0; s < switches.length; s++) switches[s].setAttribute('href', switches[s].getAttribute('href').split('#')[0] + location.hash);

  function showProblem(text) {
    problemText.textContent = text;
    problem.hidden = false;
    problem.focus();
  }
  function fieldError(name, text) {
    var input = $(name), error = $(name + '-error');
    error.textContent = text;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    var described = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (d) { return d && d !== name + '-error'; });
    described.push(name + '-error');
    input.setAttribute('aria-describedby', described.join(' '));
    input.focus();
  }
  function clearErrors() {
    problem.hidden = true;
    ['recipient', 'passcode'].forEach(function (name) {
      $(name + '-error').hidden = true;
      $(name).removeAttribute('aria-invalid');
    });
  }
  function closed(name) {
    form.hidden = true;
    showProblem(msg(name));
  }

  var payload = readPayload();
  if (!payload) return closed('bad-link');
  if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) return closed('gone');

  async function decrypt(jwe) {
    var parts = jwe.split('.');
    if (parts.length !== 5) throw new Error('not a compact JWE');
    var header = JSON.parse(new TextDecoder().decode(bytes(parts[0])));
    if (header.alg !== 'dir' || header.enc !== 'A256GCM') throw new Error('unsupported JWE');
    var key = await crypto.subtle.importKey('raw', bytes(payload.key), { name: 'AES-GCM' }, false, ['decrypt']);
    var ciphertext = bytes(parts[3]), tag = bytes(parts[4]), sealed = new Uint8Array(ciphertext.length + tag.length);
    sealed.set(ciphertext);
    sealed.set(tag, ciphertext.length);
    var plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes(parts[2]), additionalData: new TextEncoder().encode(parts[0]), tagLength: 128 }, key, sealed);
    if (header.zip === 'DEF') plain = await new Response(new Blob([plain]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer();
    return { body: plain, type: header.cty };
  }

  async function fileOf(entry) {
    if (typeof entry.embedded === 'string') return decrypt(entry.embedded);
    var answer = await fetch(entry.location, { credentials: 'omit', cache: 'no-store' });
    if (!answer.ok) throw new Error('file ' + answer.status);
    return decrypt(await answer.text());
  }

  function offer(id, body, type) {
    var url = URL.createObjectURL(new Blob([body], { type: type }));
    var link = $(id);
    link.href = url;
    link.hidden = false;
    return url;
  }

  async function show(files) {
    var shown = false;
    for (var i = 0; i < files.length; i++) {
      var type = String(files[i].contentType || '').toLowerCase();
      var file = await fileOf(files[i]);
      if (type.indexOf('application/pdf') === 0) {
        var url = offer('shl-pdf-open', file.body, 'application/pdf');
        $('shl-pdf-download').href = url;
        $('shl-pdf-frame').src = url;
        $('shl-pdf').hidden = false;
      } else if (type.indexOf('application/fhir+json') === 0) {
        offer('shl-fhir', file.body, 'application/fhir+json');
        $('shl-data').hidden = false;
      } else if (type.indexOf('xml') >= 0) {
        offer('shl-ccd', file.body, 'application/xml');
        $('shl-data').hidden = false;
      } else continue;
      shown = true;
    }
    if (!shown) throw new Error('nothing to show');
    form.hidden = true;
    $('shl-result').hidden = false;
    $('shl-result-title').focus();
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    clearErrors();
    var recipient = $('recipient').value.trim(), passcode = $('passcode').value;
    if (!recipient) return fieldError('recipient', msg('recipient'));
    if (!passcode) return fieldError('passcode', msg('passcode'));
    button.disabled = true;
    status.textContent = msg('opening');
    try {
      var answer = await fetch(payload.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ recipient: recipient, passcode: passcode, embeddedLengthMax: 10000000 }),
        credentials: 'omit',
        cache: 'no-store',
      });
      if (answer.status === 401) {
        var body = await answer.json().catch(function () { return {}; });
        $('passcode').value = '';
        return fieldError('passcode', msg('wrong').replace('{n}', String(body.remainingAttempts != null ? body.remainingAttempts : 0)));
      }
      if (answer.status === 404) return closed('gone');
      if (answer.status === 429) return showProblem(msg('busy'));
      if (!answer.ok) return showProblem(msg('failed'));
      var manifest = await answer.json();
      $('passcode').value = '';
      await show(Array.isArray(manifest.files) ? manifest.files : []);
    } catch (e) {
      showProblem(msg('failed'));
    } finally {
      button.disabled = false;
      status.textContent = '';
    }
  });
})();
`;

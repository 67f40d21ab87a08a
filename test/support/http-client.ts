/**
 * A small browser stand-in for HTTP-level journeys: a cookie jar, manual redirects, and form
 * submission that picks up the page's CSRF token. Browser journeys proper run in Chromium.
 */
export interface PageResponse {
  readonly status: number;
  readonly url: string;
  readonly location: string | undefined;
  readonly body: string;
  readonly headers: Headers;
}

export class HttpClient {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  readonly acceptLanguage: string;
  lastPage: PageResponse | undefined;

  constructor(base: string, acceptLanguage = 'es') {
    this.base = base;
    this.acceptLanguage = acceptLanguage;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request, no redirect following. */
  async request(method: string, url: string, body?: URLSearchParams, headers: Record<string, string> = {}): Promise<PageResponse> {
    const absolute = new URL(url, this.base).toString();
    const response = await fetch(absolute, {
      method,
      redirect: 'manual',
      headers: {
        cookie: this.cookieHeader(),
        'accept-language': this.acceptLanguage,
        accept: 'text/html',
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(body ? { body } : {}),
    });
    this.remember(response.headers);
    const page = { status: response.status, url: absolute, location: response.headers.get('location') ?? undefined, body: await response.text(), headers: response.headers };
    this.lastPage = page;
    return page;
  }

  /** Follows redirects like a browser (303/302 → GET). */
  async get(url: string): Promise<PageResponse> {
    let page = await this.request('GET', url);
    for (let hops = 0; page.location && hops < 15; hops++) page = await this.request('GET', new URL(page.location, page.url).toString());
    return page;
  }

  /** Submits a form of the last page (found by its action) with the given fields plus its CSRF token. */
  async submit(action: string, fields: Record<string, string>): Promise<PageResponse> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(this.lastPage?.body ?? '')?.[1] ?? '';
    let page = await this.request('POST', action, new URLSearchParams({ _csrf: csrf, ...fields }));
    for (let hops = 0; page.location && hops < 15; hops++) page = await this.request('GET', new URL(page.location, page.url).toString());
    return page;
  }
}

/** The action of the first form on a page whose action matches `pattern`. */
export function formAction(body: string, pattern: RegExp): string {
  const action = [...body.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!).find((a) => pattern.test(a));
  if (!action) throw new Error(`no form matching ${pattern}`);
  return action.replace(/&amp;/g, '&');
}

// Public web sites a module serves (the status page): read-only pages anyone may load, without a
// token. A module declares where its site is mounted on the main port; the HTTP adapter mounts it
// there and, when configured, alone on a listener of its own that serves nothing else. The site
// answers whole responses (status, headers, body); the adapter only writes them.

export interface SiteDecl {
  /** Its name (the listener of its own names it: `status`). */
  id: string;
  /** Where it is mounted on the main port, e.g. `/status`. */
  mount: string;
}

export interface SiteRequest {
  method: 'GET' | 'HEAD';
  /** The path below the mount: '' or '/' for the site's root, `/history.rss`, `/api/v2/summary.json`. */
  path: string;
  /** The prefix the site is mounted under for this request: `/status` on the main port, '' on its own listener. */
  base: string;
  header(name: string): string | undefined;
}

export interface SiteAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface SiteRuntime {
  serve(req: SiteRequest): Promise<SiteAnswer>;
}

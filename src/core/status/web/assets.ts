// The page's own assets, served by Steward itself (no CDN: the page works in a closed network):
// one stylesheet (light and dark, phones to desktops, no script anywhere) and an SVG icon, each
// under a name carrying its content hash so it can be cached for a year.
import { createHash } from 'node:crypto';

const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --card: #f6f8fa; --link: #0550ae;
  --ok: #2da44e; --minor: #d4a72c; --partial: #e16f24; --major: #cf222e; --maint: #218bff; --none: #d0d7de;
  --ok-fg: #116329; --minor-fg: #6c4a00; --partial-fg: #953800; --major-fg: #a40e26; --maint-fg: #0550ae;
  --ok-bg: #dafbe1; --minor-bg: #fff8c5; --partial-bg: #fff1e5; --major-bg: #ffebe9; --maint-bg: #ddf4ff;
  --banner-ok: #1a7f37; --banner-minor: #7d4e00; --banner-major: #a33b00; --banner-critical: #b3151f; --banner-maint: #0757ba;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b1; --line: #30363d; --card: #161b22; --link: #6cb6ff;
    --ok: #3fb950; --minor: #d29922; --partial: #f0883e; --major: #f85149; --maint: #58a6ff; --none: #30363d;
    --ok-fg: #56d364; --minor-fg: #e3b341; --partial-fg: #ffa657; --major-fg: #ff7b72; --maint-fg: #79c0ff;
    --ok-bg: #12261b; --minor-bg: #2b2111; --partial-bg: #2d1a0c; --major-bg: #2d1214; --maint-bg: #0f2136;
    --banner-ok: #196c2e; --banner-minor: #6e4a00; --banner-major: #9b3a00; --banner-critical: #a51d24; --banner-maint: #0c4f9e;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--link); }
a:focus-visible, summary:focus-visible { outline: 3px solid var(--maint); outline-offset: 2px; }
.wrap { max-width: 56rem; margin: 0 auto; padding: 0 1rem; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem 1rem; }
.skip:focus { left: 1rem; z-index: 1; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
header.top { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; }
header.top .wrap { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem; padding-top: 1rem; padding-bottom: 1rem; }
header.top h1 { font-size: 1.5rem; margin: 0; }
header.top h1 a { color: inherit; text-decoration: none; }
nav.feeds { display: flex; gap: 1rem; font-size: .9rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1.05rem; margin: 0; }
.banner { border-radius: 8px; padding: 1rem 1.25rem; color: #ffffff; margin: 0 0 1.5rem; }
.banner h2 { margin: 0; font-size: 1.35rem; }
.banner p { margin: .25rem 0 0; font-size: .9rem; }
.banner.ind-none { background: var(--banner-ok); }
.banner.ind-minor { background: var(--banner-minor); }
.banner.ind-major { background: var(--banner-major); }
.banner.ind-critical { background: var(--banner-critical); }
.banner.ind-maintenance { background: var(--banner-maint); }
.event { border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; background: var(--card); }
.event.impact-none { border-left-color: var(--none); }
.event.impact-minor { border-left-color: var(--minor); }
.event.impact-major { border-left-color: var(--partial); }
.event.impact-critical { border-left-color: var(--major); }
.event.maintenance { border-left-color: var(--maint); }
.event.done { border-left-color: var(--ok); }
.event .meta, .muted { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
.updates { list-style: none; margin: .75rem 0 0; padding: 0; }
.updates li { margin: 0 0 .75rem; }
.updates li:last-child { margin-bottom: 0; }
.updates p { margin: 0; overflow-wrap: anywhere; }
.pill { display: inline-block; font-size: .8rem; font-weight: 600; border-radius: 999px; padding: .1rem .6rem; white-space: nowrap; }
.st-operational.pill { color: var(--ok-fg); background: var(--ok-bg); }
.st-degraded_performance.pill { color: var(--minor-fg); background: var(--minor-bg); }
.st-partial_outage.pill { color: var(--partial-fg); background: var(--partial-bg); }
.st-major_outage.pill { color: var(--major-fg); background: var(--major-bg); }
.st-under_maintenance.pill { color: var(--maint-fg); background: var(--maint-bg); }
.components { border: 1px solid var(--line); border-radius: 8px; }
.group > h3, .component { padding: .9rem 1.25rem; }
.group + .group, .group + .component, .component + .group, .component + .component { border-top: 1px solid var(--line); }
.group > h3 { display: flex; justify-content: space-between; align-items: center; gap: .5rem; background: var(--card); border-radius: 8px 8px 0 0; }
.group .component { border-top: 1px solid var(--line); padding-left: 2rem; }
.component-head { display: flex; justify-content: space-between; align-items: baseline; gap: .5rem; flex-wrap: wrap; }
.component-head h3, .component-head h4 { font-size: 1rem; margin: 0; }
.component-head p { margin: 0; }
.bars { display: flex; gap: 2px; height: 2.25rem; margin: .6rem 0 .25rem; }
.bar { flex: 1 1 0; min-width: 2px; border-radius: 2px; background: var(--none); }
.bar.st-operational { background: var(--ok); }
.bar.st-degraded_performance { background: var(--minor); }
.bar.st-partial_outage { background: var(--partial); }
.bar.st-major_outage { background: var(--major); }
.bar.st-under_maintenance { background: var(--maint); }
.bars-foot { display: flex; justify-content: space-between; gap: .5rem; color: var(--muted); font-size: .8rem; }
.bars-foot .ago-30 { display: none; }
details { margin-top: .25rem; font-size: .9rem; }
details ul { margin: .25rem 0 0; padding-left: 1.25rem; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; margin: 0 0 .75rem; font-size: .85rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: .35rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; background: var(--none); }
.swatch.st-operational { background: var(--ok); }
.swatch.st-degraded_performance { background: var(--minor); }
.swatch.st-partial_outage { background: var(--partial); }
.swatch.st-major_outage { background: var(--major); }
.swatch.st-under_maintenance { background: var(--maint); }
.event h3, .event h4 { margin: 0; font-size: 1.05rem; }
.more { margin-top: 1rem; }
.history h3 { border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 1.25rem; }
.history .none { color: var(--muted); margin: .5rem 0 0; }
.history .event { margin-top: .75rem; }
footer { border-top: 1px solid var(--line); margin-top: 2.5rem; padding-top: 1rem; padding-bottom: 2rem; color: var(--muted); font-size: .9rem; }
footer p { margin: .25rem 0; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  .wrap { padding: 0 .75rem; }
  .group > h3, .component { padding: .75rem; }
  .group .component { padding-left: 1rem; }
  .bar:nth-child(-n+60) { display: none; }
  .bars-foot .ago-90 { display: none; }
  .bars-foot .ago-30 { display: inline; }
  .event { padding: .75rem; }
}
`;

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#1a7f37"/><path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export interface Asset {
  /** The name it is served under: `status-<hash>.css`. */
  name: string;
  type: string;
  body: string;
}

const named = (stem: string, ext: string, type: string, body: string): Asset => ({
  name: `${stem}-${createHash('sha256').update(body).digest('hex').slice(0, 10)}.${ext}`,
  type,
  body,
});

export const STYLES = named('status', 'css', 'text/css; charset=utf-8', STYLESHEET.trimStart());
export const FAVICON = named('icon', 'svg', 'image/svg+xml', ICON);
export const ASSETS: readonly Asset[] = [STYLES, FAVICON];

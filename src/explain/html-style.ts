/**
 * The explain page's style sheet (src/explain/html.ts). System fonts only (no network);
 * plan text in monospace; colour marks what a rule changed, always with a text marker
 * beside it (+ new, − removed) so that colour is never the only signal.
 */
export const PAGE_STYLE = String.raw`
:root {
  --bg: #ffffff; --panel: #f6f8fa; --text: #1f2328; --muted: #59636e; --line: #d1d9e0; --line-strong: #8c959f;
  --accent: #0969da; --accent-bg: #ddf4ff; --added: #1a7f37; --added-bg: #dafbe1; --removed: #cf222e; --removed-bg: #ffebe9;
  --bar-est: #afb8c1; --bar-actual: #0969da;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif;
  color-scheme: light dark;
  --step: 1.1em;
}
@media (max-width: 900px) { :root { --step: .75em; } }
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --panel: #151b23; --text: #e6edf3; --muted: #9198a1; --line: #3d444d; --line-strong: #656c76;
    --accent: #4493f8; --accent-bg: #12243b; --added: #3fb950; --added-bg: #12261e; --removed: #f85149; --removed-bg: #2d1517;
    --bar-est: #656c76; --bar-actual: #4493f8;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--text); font: 15px/1.45 var(--sans); }
body { margin: 0; }
main { max-width: 1400px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.35rem; margin: .25rem 0 .25rem; }
h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
h3 { font-size: .95rem; margin: 0 0 .4rem; }
p { margin: .3rem 0; }
.mono { font-family: var(--mono); font-size: .85rem; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
nav.toc { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: .5rem 0 1rem; font-size: .9rem; }
nav.toc a { color: var(--accent); }
section { border-top: 1px solid var(--line); padding: 1rem 0 .5rem; }
dl.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 15rem), 1fr)); gap: .5rem; margin: .75rem 0; }
dl.summary div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .45rem .7rem; }
dl.summary dt { font-size: .78rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
dl.summary dd { margin: .1rem 0 0; font-family: var(--mono); font-size: .88rem; overflow-wrap: anywhere; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr)); gap: .75rem; }
.panel { border: 1px solid var(--line); border-radius: 6px; min-width: 0; background: var(--bg); }
.panel-head { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem .6rem; padding: .4rem .6rem; background: var(--panel); border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
.panel-head h3 { margin: 0; flex: 1 1 auto; }
.panel-body { padding: .4rem .3rem .5rem; overflow-x: auto; }
button { font: inherit; color: inherit; }
button.small { font-size: .78rem; padding: .1rem .45rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); cursor: pointer; }
button:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
ul.tree { list-style: none; margin: 0; padding: 0; }
/* One guide line per level of indentation (the width is set per operator). */
li.node {
  --indent: calc(var(--level, 0) * var(--step));
  padding-left: var(--indent);
  background: repeating-linear-gradient(to right, transparent 0 calc(.6 * var(--step)), var(--line) calc(.6 * var(--step)) calc(.6 * var(--step) + 1px), transparent calc(.6 * var(--step) + 1px) var(--step)) no-repeat;
  background-size: var(--indent) 100%;
}
.row { display: flex; align-items: baseline; padding: .1rem .3rem; border-radius: 4px; }
.cells { flex: 1 1 auto; min-width: 0; display: flex; flex-wrap: wrap; align-items: baseline; gap: .1rem .5rem; }
.row:hover { background: var(--panel); }
button.toggle { width: 1.3rem; flex: 0 0 auto; padding: 0; border: 0; background: none; color: var(--muted); cursor: pointer; font-family: var(--mono); }
.toggle-space { width: 1.3rem; flex: 0 0 auto; }
.label { flex: 1 1 auto; min-width: 10ch; font-family: var(--mono); font-size: .84rem; overflow-wrap: anywhere; }
.role { color: var(--muted); }
.tags { display: inline-flex; flex-wrap: wrap; gap: .25rem; }
.tag { font-size: .72rem; padding: 0 .35rem; border: 1px solid var(--line); border-radius: 999px; color: var(--muted); white-space: nowrap; }
.tag-added { color: var(--added); border-color: var(--added); }
.tag-removed { color: var(--removed); border-color: var(--removed); }
.tag-rebuilt { border-left: 3px solid var(--line-strong); border-radius: 0 999px 999px 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.tag-provider { color: var(--accent); border-color: var(--accent); font-family: var(--mono); }
.figs { margin-left: auto; display: inline-flex; gap: .7rem; font-family: var(--mono); font-size: .78rem; color: var(--muted); white-space: nowrap; }
.figs b { font-weight: 600; color: var(--text); }
.hidden-count { font-size: .75rem; color: var(--muted); }
li.node[hidden] { display: none; }
li.mark-added > .row { background: var(--added-bg); box-shadow: inset 3px 0 var(--added); }
li.mark-removed > .row { background: var(--removed-bg); box-shadow: inset 3px 0 var(--removed); }
li.mark-rebuilt > .row { box-shadow: inset 3px 0 var(--line-strong); }
.detail { margin: 0 0 .15rem 1.9rem; font-size: .78rem; color: var(--muted); overflow-wrap: anywhere; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem .9rem; font-size: .8rem; color: var(--muted); margin: .3rem 0 .6rem; }
.rules-layout { display: grid; grid-template-columns: minmax(13rem, 19rem) minmax(0, 1fr); gap: .9rem; align-items: start; }
@media (max-width: 900px) { .rules-layout { grid-template-columns: minmax(0, 1fr); } }
.rule-list { display: flex; flex-direction: column; gap: .2rem; max-height: 70vh; overflow-y: auto; padding: .15rem; }
button.rule { display: grid; grid-template-columns: 2.2rem minmax(0, 1fr); text-align: left; padding: .3rem .45rem; border: 1px solid var(--line); border-radius: 5px; background: var(--bg); cursor: pointer; }
button.rule:hover { border-color: var(--line-strong); }
button.rule[aria-selected="true"] { background: var(--accent-bg); border-color: var(--accent); }
.rule-num { color: var(--muted); font-family: var(--mono); font-size: .8rem; grid-row: span 2; }
.rule-name { font-family: var(--mono); font-size: .84rem; overflow-wrap: anywhere; }
.rule-cost { font-family: var(--mono); font-size: .74rem; color: var(--muted); }
.rule-detail { min-width: 0; }
.matched { margin: .2rem 0 .4rem 1.1rem; padding: 0; font-family: var(--mono); font-size: .8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: .78rem; color: var(--muted); font-weight: 600; white-space: nowrap; }
td.num { font-family: var(--mono); font-size: .8rem; white-space: nowrap; text-align: right; }
.table-wrap { overflow-x: auto; }
.decision { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .75rem; margin-bottom: .75rem; }
.decision tr.chosen td { font-weight: 600; }
.bar { position: relative; height: .6rem; min-width: 4rem; background: var(--panel); border: 1px solid var(--line); border-radius: 3px; overflow: hidden; }
.bar + .bar { margin-top: 2px; }
.fill { position: absolute; inset: 0 auto 0 0; background: var(--bar-actual); }
.fill.est { background: var(--bar-est); }
td.bars { width: 15%; min-width: 6rem; }
td.op { font-family: var(--mono); font-size: .8rem; overflow-wrap: anywhere; min-width: 14rem; width: 32%; }
.error { border: 1px solid var(--removed); background: var(--removed-bg); padding: .5rem .75rem; border-radius: 6px; }
`;

/**
 * The playground's stylesheet, inlined into the page under the response's CSP nonce: light and dark
 * schemes, visible focus, one column on a phone.
 *
 * @module
 */

/** The CSS of the playground page. */
export const PLAYGROUND_STYLE: string = `
:root{--bg:#f6f7f9;--card:#fff;--text:#1f2328;--muted:#57606a;--line:#d0d7de;--accent:#1d4ed8;--accent-text:#fff;--ok:#116329;--bad:#a40e26;--code:#eef1f5;--focus:#b45309;--user:#7c3aed;--client:#1d4ed8;--server:#0f766e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--line:#3d444d;--accent:#4493f8;--accent-text:#0d1117;--ok:#3fb950;--bad:#ff7b72;--code:#0d1117;--focus:#f0b429;--user:#bc8cff;--client:#4493f8;--server:#39c5bb}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.wrap{max-width:60rem;margin:0 auto;padding:0 1rem}
header{background:var(--card);border-bottom:1px solid var(--line);padding:1rem 0}
header h1{margin:.1rem 0 .25rem;font-size:1.6rem}header p{margin:.25rem 0;color:var(--muted)}
.crumbs a{color:var(--accent)}
a{color:var(--accent)}
fieldset.grants{border:0;padding:0;margin:1.5rem 0}
legend{font-weight:700;font-size:1.1rem;margin-bottom:.5rem;padding:0}
.choices{display:grid;grid-template-columns:repeat(auto-fit,minmax(10.5rem,1fr));gap:.5rem}
.choice{position:relative;display:block;background:var(--card);border:2px solid var(--line);border-radius:8px;padding:.6rem .75rem .6rem 2.3rem;cursor:pointer;min-height:2.75rem}
.choice input{position:absolute;left:.75rem;top:.85rem;width:1.1rem;height:1.1rem;margin:0;accent-color:var(--accent)}
.choice:has(input:checked){border-color:var(--accent)}
.choice strong{display:block}.choice span{color:var(--muted);font-size:.85rem}
.flow{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem;margin-bottom:2rem}
.flow h2{margin:0 0 .25rem}
.diagram{margin:1rem 0;border:1px solid var(--line);border-radius:8px;padding:.5rem;background:var(--bg)}
.diagram .scroll{overflow-x:auto}
.diagram svg{display:block;min-width:36rem;width:100%;height:auto}
figcaption{color:var(--muted);font-size:.85rem;padding:.25rem .25rem 0}
svg .lifeline{stroke:var(--line);stroke-width:2;stroke-dasharray:4 4}
svg .actor rect{fill:var(--card);stroke-width:2}
svg .actor text{fill:var(--text);font-weight:700;font-size:13px}
svg .actor.user rect{stroke:var(--user)}svg .actor.client rect{stroke:var(--client)}svg .actor.server rect{stroke:var(--server)}
svg .arrow line,svg .arrow path{stroke:var(--muted);stroke-width:1.5;fill:none}
svg .arrow polygon{fill:var(--muted)}
svg .arrow text{fill:var(--muted);font-size:12px}
svg .arrow .num{fill:var(--card);stroke:var(--muted);stroke-width:1.5}
svg .arrow .numtext{fill:var(--muted);font-weight:700;font-size:11px}
svg .arrow.dashed line,svg .arrow.dashed path{stroke-dasharray:6 4}
svg .arrow.done line,svg .arrow.done path{stroke:var(--text)}svg .arrow.done polygon{fill:var(--text)}svg .arrow.done text{fill:var(--text)}
svg .arrow.current line,svg .arrow.current path{stroke:var(--accent);stroke-width:3}svg .arrow.current polygon{fill:var(--accent)}
svg .arrow.current text{fill:var(--accent);font-weight:700}svg .arrow.current .num{stroke:var(--accent)}
svg .arrow.failed line,svg .arrow.failed path{stroke:var(--bad)}svg .arrow.failed polygon{fill:var(--bad)}svg .arrow.failed text{fill:var(--bad)}
.steps{list-style:none;padding:0;margin:0;counter-reset:step}
.step{border:1px solid var(--line);border-left:4px solid var(--line);border-radius:8px;padding:.9rem 1rem;margin:.75rem 0}
.step[data-state=current]{border-left-color:var(--accent)}
.step[data-state=done]{border-left-color:var(--ok)}
.step[data-state=failed]{border-left-color:var(--bad)}
.step[data-state=pending]{color:var(--muted)}
.step h3{margin:0 0 .25rem;font-size:1.05rem}
.step .badge{font-size:.8rem;font-weight:700;margin-left:.4rem}
.step[data-state=done] .badge{color:var(--ok)}.step[data-state=failed] .badge{color:var(--bad)}
.step p{margin:.35rem 0}
pre{background:var(--code);border:1px solid var(--line);border-radius:6px;padding:.6rem .75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:.5rem 0}
.label{font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin-top:.6rem}
dl.checks{display:grid;grid-template-columns:auto 1fr;gap:.2rem .75rem;margin:.5rem 0}
dl.checks dt{font-weight:700}dl.checks dd{margin:0;word-break:break-all}
dl.claims dd .why{display:block;color:var(--muted);font-size:.85rem;word-break:normal}
.note{border:1px solid var(--line);border-left:4px solid var(--focus);border-radius:6px;background:var(--bg);padding:.5rem .75rem}
.ok{color:var(--ok);font-weight:700}.bad{color:var(--bad);font-weight:700}
button{font:inherit;font-weight:600;min-height:2.75rem;padding:.5rem 1rem;border-radius:6px;border:2px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer;margin-top:.5rem}
button.secondary{background:transparent;color:var(--accent)}
button:disabled{opacity:.55;cursor:not-allowed}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.error{color:var(--bad);font-weight:700}
.narrow{display:none}
.who{font-size:.85rem;color:var(--muted);margin:.1rem 0 .35rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){.narrow{display:inline}}
@media (max-width:30rem){.flow{padding:.9rem;border-radius:0;border-left:0;border-right:0}.wrap{padding:0 .75rem}}
`

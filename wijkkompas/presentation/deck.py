"""The whole presentation as ONE self-contained HTML document: every slide drawn up front, switched
by a few lines of JavaScript, so the next slide appears instantly and without network or server.

The stage is designed at 1024×768 CSS px (a low-resolution projector) and scaled to fill any screen:
the smallest text is 24 px at 1024×768 and grows with the screen. Keys: → ↓ space PageDown Enter
(a clicker sends these) next; ← ↑ PageUp Backspace previous; Home/End first/last; F full screen;
Esc leaves the presentation (when `exit_url` is given). The same document can be downloaded and
opened from a USB stick in any browser.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from wijkkompas.formatting import esc
from wijkkompas.presentation.slides import STAGE_H, STAGE_W, SlideContent

CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%;overflow:hidden;background:#fff;color:#111;
  font-family:"DejaVu Sans","Segoe UI","Helvetica Neue",Arial,sans-serif;-webkit-font-smoothing:antialiased}
#stage{position:absolute;left:0;top:0;width:__W__px;height:__H__px;transform-origin:0 0;font-size:24px;line-height:1.3}
.slide{position:absolute;inset:0;display:flex;flex-direction:column;padding:0 44px;background:#fff;border-top:12px solid #1f4e79}
.slide[hidden]{display:none}
.slide header{padding:18px 0 10px 0;border-bottom:2px solid #d0d0d0;display:flex;gap:24px;align-items:flex-start}
.slide header .head{flex:1;min-width:0}
.slide header .count{font-weight:700;white-space:nowrap;color:#333;padding-top:8px}
.slide h1{font-size:40px;line-height:1.12;margin:0;font-weight:700;color:#0b1f33}
.slide .msg{font-size:28px;line-height:1.22;margin:8px 0 0 0;color:#222}
.slide main{flex:1;min-height:0;display:flex;flex-direction:column;padding:12px 0 8px 0;overflow:hidden}
.slide .content{flex:1;min-height:0;display:flex;align-items:center;justify-content:center}
.slide footer{border-top:2px solid #d0d0d0;padding:6px 0 10px 0;font-size:24px;color:#333;line-height:1.2}
h3{font-size:28px;margin:0 0 10px 0}
.kaart{display:flex;gap:28px;align-items:center;width:100%;height:100%}
.mapbox{flex:1 1 auto;height:100%;display:flex;align-items:center;justify-content:center;min-width:0}
.mapbox svg{max-width:100%;max-height:100%;height:auto}
svg .labels text{fill:#111;stroke:#fff;stroke-width:6px;paint-order:stroke;stroke-linejoin:round}
.legend{flex:0 0 350px;max-height:100%;overflow:hidden}
.legend h3{font-size:26px;line-height:1.15}
.legend ul{list-style:none;margin:0;padding:0}
.legend li{display:flex;align-items:center;gap:12px;margin:0 0 6px 0;line-height:1.12}
.legend .sw{flex:none;width:42px;height:28px;border:1.5px solid #555}
.legend p{margin:8px 0 0 0;line-height:1.15}
table{border-collapse:collapse}
td,th{padding:8px 14px;text-align:left;vertical-align:middle}
th{font-weight:700;border-bottom:3px solid #333}
td{border-bottom:1.5px solid #d9d9d9}
.num{text-align:right;white-space:nowrap}
th.num{white-space:normal;line-height:1.15}
.strong{font-weight:700}
.muted{color:#777}
.profiel{width:100%}
.profiel .facts{font-size:28px;margin:0 0 12px 0;color:#222}
.profiel table{width:100%;table-layout:fixed}
.profiel col.c1{width:38%}.profiel col.c2{width:24%}.profiel col.c3{width:19%}
.profiel .judge{font-weight:700;white-space:nowrap}
.ref{color:#333}
.standout{margin-top:14px}
.standout h3{margin-bottom:4px}
.standout ul{margin:0;padding-left:30px}
.standout li{margin:0 0 4px 0;line-height:1.25}
.quotes .facts{font-size:28px;margin:0 0 12px 0;color:#222}
.quotes figure.quote{margin:0 0 16px 0;padding:8px 18px;border-left:6px solid #6b6b6b;background:#f4f4f4}
.quotes blockquote{margin:0;font-size:26px;line-height:1.3;font-style:italic}
.quotes figcaption{font-size:24px;color:#333;margin-top:4px}
.vergelijking{width:100%}
.vergelijking table{width:100%;table-layout:fixed}
.vergelijking td.nm{line-height:1.15}
.vergelijking td.num{white-space:normal;line-height:1.15}
.vergelijking .mk{margin-right:8px}
.vergelijking th.num{white-space:normal;line-height:1.15}
.vergelijking .track{display:block;height:12px;background:#eee;margin-top:6px}
.vergelijking .track .bar{display:block;height:12px}
.vergelijking .ref{color:#333;border-left:2px solid #bbb}
.vergelijking .key{margin:12px 0 0 0;line-height:1.2}
.ranking table{width:100%}
.ranking .barcell{width:45%}
.ranking .bar{display:block;height:26px}
.trend{width:100%;height:100%;display:flex;flex-direction:column}
.trend .series{list-style:none;display:flex;flex-wrap:wrap;gap:4px 30px;margin:4px 0 4px 0;padding:0}
.trend .series li{display:flex;align-items:center;gap:10px}
.trend .ln{display:inline-block;width:46px;border-top:6px solid}
.chartbox{flex:1;min-height:0;display:flex;flex-direction:column;align-items:center}
.trend .axis{font-weight:700}
.chartbox svg{max-width:100%;max-height:100%;height:auto;flex:1;min-height:0}
.notes{margin:6px 0 0 0;padding:0;list-style:none;color:#333;line-height:1.2}
.notes li{margin:2px 0 0 0}
.notice{border:4px solid #b35806;background:#fff7ec;padding:26px 34px;max-width:880px}
.notice p{margin:0 0 12px 0;line-height:1.3}
.notice .big{font-size:32px;font-weight:700}
.hint{position:fixed;right:16px;bottom:12px;font-size:24px;background:#111;color:#fff;padding:8px 14px;border-radius:6px;opacity:0;
  transition:opacity .3s;pointer-events:none}
.hint.show{opacity:.85}
"""

JS = """
(function(){
  var deck=__META__;
  var stage=document.getElementById('stage');
  var slides=Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var hint=document.getElementById('hint');
  var key='wk-deck-'+deck.id;
  var i=0;
  try{var saved=parseInt(window.sessionStorage.getItem(key),10);if(saved>=0&&saved<slides.length)i=saved;}catch(e){}
  function fit(){
    var w=window.innerWidth||__W__,h=window.innerHeight||__H__;
    var s=Math.min(w/__W__,h/__H__);
    stage.style.width=(w/s)+'px';stage.style.height=(h/s)+'px';stage.style.transform='scale('+s+')';
  }
  function show(n){
    if(!slides.length)return;
    n=Math.max(0,Math.min(slides.length-1,n));
    if(n===i&&!slides[n].hidden)return;
    slides[i].hidden=true;slides[n].hidden=false;i=n;
    document.body.setAttribute('data-slide',String(i+1));
    try{window.sessionStorage.setItem(key,String(i));}catch(e){}
  }
  function flash(text){if(!hint)return;hint.textContent=text;hint.classList.add('show');
    clearTimeout(flash.t);flash.t=setTimeout(function(){hint.classList.remove('show');},1200);}
  function full(){
    var el=document.documentElement;
    if(document.fullscreenElement){document.exitFullscreen();return;}
    var fe=window.frameElement;
    try{(fe&&fe.ownerDocument?fe.ownerDocument.documentElement:el).requestFullscreen();}catch(e){try{el.requestFullscreen();}catch(e2){}}
  }
  function leave(){
    /* The app shows the deck in a sandboxed iframe that may not navigate the page itself: a link in the
       page around it may. Outside the app (a downloaded file) there is nothing to leave to. */
    try{
      var doc=window.parent!==window?window.parent.document:null;
      if(doc){var a=doc.createElement('a');a.href=deck.exit;a.target='_self';a.style.display='none';doc.body.appendChild(a);a.click();return;}
    }catch(err){}
    if(window.parent===window)window.location.href=deck.exit;
  }
  function onKey(e){
    if(window.frameElement&&!window.frameElement.isConnected)return;
    if(e.altKey||e.ctrlKey||e.metaKey)return;
    var t=e.target&&e.target.tagName;if(t==='INPUT'||t==='TEXTAREA'||t==='SELECT')return;
    var k=e.key;
    if(k==='ArrowRight'||k==='ArrowDown'||k===' '||k==='Spacebar'||k==='PageDown'||k==='Enter'){
      e.preventDefault();if(i===slides.length-1)flash('Laatste dia');show(i+1);}
    else if(k==='ArrowLeft'||k==='ArrowUp'||k==='PageUp'||k==='Backspace'){e.preventDefault();if(i===0)flash('Eerste dia');show(i-1);}
    else if(k==='Home'){e.preventDefault();show(0);}
    else if(k==='End'){e.preventDefault();show(slides.length-1);}
    else if(k==='f'||k==='F'){e.preventDefault();full();}
    else if(k==='Escape'&&deck.exit&&!document.fullscreenElement){
      e.preventDefault();try{window.sessionStorage.removeItem(key);}catch(err){}
      leave();}
  }
  document.addEventListener('keydown',onKey);
  /* Presenting inside the app, the deck is a full-screen iframe: listen on the page around it too, so a
     clicker works without clicking into the slide first. */
  try{
    var top=deck.outside&&window.parent&&window.parent!==window?window.parent:null;
    if(top&&top.document){
      if(top.__wkDeckKey)top.document.removeEventListener('keydown',top.__wkDeckKey);
      top.__wkDeckKey=onKey;top.document.addEventListener('keydown',onKey);
    }
  }catch(e){}
  document.addEventListener('click',function(e){
    if(e.target.closest&&e.target.closest('a'))return;
    var x=e.clientX/(window.innerWidth||1);show(x<0.25?i-1:i+1);
  });
  window.addEventListener('resize',fit);
  fit();
  slides.forEach(function(s,n){s.hidden=(n!==i);});
  document.body.setAttribute('data-slide',String(i+1));
  document.body.setAttribute('data-ready','1');
  try{window.focus();}catch(e){}
})();
"""


def _slide_html(s: SlideContent, n: int, total: int) -> str:
    message = f'<p class="msg">{esc(s.message)}</p>' if s.message else ""
    notes = "".join(f"<li>{esc(t)}</li>" for t in s.notes)
    notes_html = f'<ul class="notes">{notes}</ul>' if notes else ""
    source = esc(s.source) if s.source else ""
    return (
        f'<section class="slide kind-{esc(s.kind)}{" is-notice" if s.notice else ""}" data-n="{n}" aria-roledescription="dia" '
        f'aria-label="Dia {n} van {total}"{"" if n == 1 else " hidden"}>'
        f'<header><div class="head"><h1>{esc(s.title)}</h1>{message}</div><div class="count">{n} / {total}</div></header>'
        f'<main><div class="content">{s.body}</div>{notes_html}</main>'
        f"<footer>{source}</footer>"
        "</section>"
    )


def deck_html(
    slides: Sequence[SlideContent],
    *,
    title: str,
    deck_id: str,
    exit_url: str | None = None,
    data_version: str = "",
    listen_outside: bool = False,
) -> str:
    """The complete document. No external resources of any kind: it works from a file, offline."""
    total = len(slides)
    if total:
        body = "".join(_slide_html(s, i + 1, total) for i, s in enumerate(slides))
    else:
        body = (
            '<section class="slide" data-n="1"><header><div class="head"><h1>Deze presentatie heeft nog geen dia\'s</h1></div>'
            '<div class="count">0 / 0</div></header>'
            '<main><div class="content"><p>Voeg dia\'s toe op de pagina Presentatie.</p></div></main><footer></footer></section>'
        )
    meta = json.dumps({"id": deck_id, "exit": exit_url or "", "outside": bool(listen_outside)}).replace("</", "<\\/")
    css = CSS.replace("__W__", str(STAGE_W)).replace("__H__", str(STAGE_H))
    js = JS.replace("__META__", meta).replace("__W__", str(STAGE_W)).replace("__H__", str(STAGE_H))
    made = f"Wijkkompas · {date.today().strftime('%d-%m-%Y')}" + (
        f" · gegevensversie {esc(data_version)}" if data_version else ""
    )
    return (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{esc(title)}</title><meta name="generator" content="{esc(made)}"><style>{css}</style></head>'
        f'<body data-slide="1" data-total="{total}"><div id="stage">{body}</div>'
        f'<div id="hint" class="hint" aria-live="polite"></div><script>{js}</script></body></html>'
    )

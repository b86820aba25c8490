#include "idO/monitor/DashboardPage.h"

#include <string_view>

#include "broker/crypto/Digest.h"
#include "broker/wire/Base64Url.h"

namespace legate::ido {
namespace {

constexpr std::string_view kStyle = R"CSS(
:root { --fg:#1d2330; --muted:#5f6b7a; --line:#d8dee6; --bg:#f6f8fa; --ok:#2e8b57;
        --staged:#3572c6; --past:#9aa5b1; --bad:#c0392b; --warn:#d68910; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 12px 20px; background: #1d2330; color: #fff; display: flex; gap: 16px;
         align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header #status { margin: 0; color: #c9d1dc; }
main { padding: 12px 20px; }
section.tenant { background: #fff; border: 1px solid var(--line); border-radius: 6px;
                 padding: 12px 16px; margin-bottom: 16px; }
h2 { margin: 0 0 8px; font-size: 17px; }
h3 { margin: 16px 0 6px; font-size: 14px; color: var(--muted); text-transform: uppercase;
     letter-spacing: .04em; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; }
.card { border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; min-width: 120px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 18px; font-variant-numeric: tabular-nums; }
.card.alert { border-color: var(--bad); }
.card.alert .value { color: var(--bad); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.mono, span.mono { font-family: ui-monospace, monospace; font-size: 12px; }
ul.certificates { margin: 0; padding-left: 16px; }
li.certificate.served { color: var(--ok); }
li.certificate.staged { color: var(--staged); }
li.certificate.past, li.certificate.canceled { color: var(--past); }
.warn { color: var(--warn); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
svg.timeline { width: 100%; height: auto; background: #fff; }
svg.timeline text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg.timeline text.axis { fill: var(--muted); }
svg.timeline line.grid { stroke: var(--line); }
svg.timeline line.now { stroke: var(--bad); stroke-width: 1.5; }
svg.timeline rect.cert.served { fill: var(--ok); }
svg.timeline rect.cert.staged { fill: var(--staged); }
svg.timeline rect.cert.past { fill: var(--past); }
svg.timeline rect.cert.canceled { fill: var(--past); opacity: .5; }
svg.timeline rect.overlap { fill: #000; opacity: .18; }
svg.timeline rect.gap { fill: var(--bad); opacity: .55; }
svg.timeline path.renewal { fill: var(--warn); }
svg.timeline text.warn { fill: var(--warn); font-weight: 600; }
.legend span { margin-right: 12px; }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; }
.legend i.served { background: var(--ok); } .legend i.staged { background: var(--staged); }
.legend i.past { background: var(--past); } .legend i.gap { background: var(--bad); }
.legend i.overlap { background: #bbb; } .legend i.renewal { background: var(--warn); }
)CSS";

constexpr std::string_view kScript = R"JS(
'use strict';
const SVG = 'http://www.w3.org/2000/svg';
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}
function sv(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}
const ms = (t) => (t ? Date.parse(t) : NaN);
function when(t) {
  if (!t) return '—';
  return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
function span(d) {
  const s = Math.round(Math.abs(d) / 1000);
  if (s < 120) return s + 's';
  if (s < 7200) return Math.round(s / 60) + 'm';
  if (s < 172800) return Math.round(s / 3600) + 'h';
  return Math.round(s / 86400) + 'd';
}
function relative(t, now) {
  if (!t) return '';
  const d = ms(t) - now;
  return d >= 0 ? 'in ' + span(d) : span(d) + ' ago';
}
function card(label, value, alert) {
  return el('div', {class: 'card' + (alert ? ' alert' : '')},
            el('div', {class: 'label'}, label), el('div', {class: 'value'}, String(value)));
}
/// Expiring with no renewal scheduled: less than a third of its life left.
function expiring(d, now) {
  if (!d.current || d['next-renewal']) return false;
  const nb = ms(d.current.notBefore), na = ms(d.current.notAfter);
  return na - now < (na - nb) / 3;
}

function ndcTable(t) {
  const rows = t.ndcs.map((n) => el('tr', {'data-ndc': n.id},
      el('td', {}, n.name), el('td', {class: 'mono'}, n.id),
      el('td', {}, n.account ? 'registered' : el('span', {class: 'muted'}, 'not registered')),
      el('td', {}, when(n.created))));
  return el('table', {class: 'ndcs'},
            el('tr', {}, el('th', {}, 'NDC'), el('th', {}, 'id'), el('th', {}, 'ACME account'),
               el('th', {}, 'onboarded')), ...rows);
}

function delegationTable(t, now) {
  const ndcNames = Object.fromEntries(t.ndcs.map((n) => [n.id, n.name]));
  const rows = t.delegations.map((d) => {
    const list = el('ul', {class: 'certificates', 'data-delegation': d.id},
        ...d.certificates.map((c) => el('li', {
            class: 'certificate ' + c.state, 'data-delegation': d.id, 'data-order': c.order,
            'data-version': String(c.version)},
          '#' + c.version + ' ' + when(c.notBefore) + ' → ' + when(c.notAfter) + ' (' +
          c.state + ')')));
    const cur = d.current;
    const validity = cur ? when(cur.notBefore) + ' → ' + when(cur.notAfter) : '—';
    const left = cur ? el('span', {class: ms(cur.notAfter) < now ? 'bad' : ''},
                          'expires ' + relative(cur.notAfter, now)) : '';
    const renewal = d['next-renewal']
        ? when(d['next-renewal']) + ' (' + relative(d['next-renewal'], now) + ')'
        : (expiring(d, now) ? el('span', {class: 'warn'}, 'none scheduled, expiring')
                            : el('span', {class: 'muted'}, 'none scheduled'));
    return el('tr', {class: 'delegation', 'data-delegation': d.id, 'data-status': d.status},
        el('td', {class: 'mono'}, d.id), el('td', {}, ndcNames[d.ndc] || d.ndc),
        el('td', {}, d.names.join(', ')), el('td', {}, d.status),
        el('td', {}, validity, el('br'), left), el('td', {}, renewal),
        el('td', {}, String(d.orders)), el('td', {}, list));
  });
  return el('table', {class: 'delegations'},
            el('tr', {}, ...['delegation', 'NDC', 'names', 'status', 'served certificate',
                              'next renewal', 'orders', 'certificates']
                             .map((h) => el('th', {}, h))), ...rows);
}

function timeline(t, now) {
  const rows = t.delegations.filter((d) => d.certificates.length || d.status === 'active');
  if (!rows.length) return el('p', {class: 'muted'}, 'No delegations yet.');
  let lo = now, hi = now;
  for (const d of rows) {
    for (const c of d.certificates) { lo = Math.min(lo, ms(c.notBefore)); hi = Math.max(hi, ms(c.notAfter)); }
    if (d['next-renewal']) hi = Math.max(hi, ms(d['next-renewal']));
  }
  if (hi - lo < 60000) { lo -= 30000; hi += 30000; }
  const pad = (hi - lo) * 0.04; lo -= pad; hi += pad;
  const W = 1000, L = 190, R = 10, top = 22, rowH = 34;
  const H = top + rows.length * rowH + 6;
  const x = (t) => L + (t - lo) / (hi - lo) * (W - L - R);
  const g = sv('svg', {class: 'timeline', viewBox: '0 0 ' + W + ' ' + H, 'data-tenant': t.name,
                       role: 'img', 'aria-label': 'certificate validity windows'});
  for (let i = 0; i <= 4; i++) {
    const tt = lo + (hi - lo) * i / 4, xx = x(tt);
    g.append(sv('line', {class: 'grid', x1: xx, x2: xx, y1: 14, y2: H}));
    g.append(sv('text', {class: 'axis', x: xx, y: 10, 'text-anchor': i === 0 ? 'start' : (i === 4 ? 'end' : 'middle')},
                when(new Date(tt).toISOString()).slice(5, 19)));
  }
  rows.forEach((d, i) => {
    const y = top + i * rowH;
    const label = sv('text', {x: 4, y: y + 14, class: expiring(d, now) ? 'warn' : ''},
                     (d.names[0] || d.id) + (d.names.length > 1 ? ' +' + (d.names.length - 1) : ''));
    label.append(sv('title', {}, d.id));
    g.append(label);
    g.append(sv('text', {x: 4, y: y + 27, class: 'axis'}, d.status + ', ' + d.certificates.length + ' cert.'));
    const certs = d.certificates.slice().sort((a, b) => ms(a.notBefore) - ms(b.notBefore));
    certs.forEach((c, j) => {
      const x1 = x(ms(c.notBefore)), x2 = Math.max(x(ms(c.notAfter)), x1 + 1);
      const r = sv('rect', {class: 'cert ' + c.state, x: x1, y: y + 3 + (j % 2) * 13,
                            width: x2 - x1, height: 11, rx: 2, 'data-delegation': d.id,
                            'data-order': c.order, 'data-version': String(c.version)});
      r.append(sv('title', {}, '#' + c.version + ' ' + when(c.notBefore) + ' → ' + when(c.notAfter) + ' (' + c.state + ')'));
      g.append(r);
      const prev = certs[j - 1];
      if (prev && prev.order === c.order) {
        const pe = ms(prev.notAfter), cb = ms(c.notBefore);
        if (cb < pe) {
          g.append(sv('rect', {class: 'overlap', x: x(cb), y: y + 3, height: 24,
                               width: Math.max(x(Math.min(pe, ms(c.notAfter))) - x(cb), 1)}));
        } else if (cb > pe) {
          const gap = sv('rect', {class: 'gap', x: x(pe), y: y + 3, height: 24,
                                  width: Math.max(x(cb) - x(pe), 1), 'data-delegation': d.id});
          gap.append(sv('title', {}, 'gap: no valid certificate from ' + when(prev.notAfter) + ' to ' + when(c.notBefore)));
          g.append(gap);
        }
      }
    });
    if (d['next-renewal']) {
      const rx = x(ms(d['next-renewal']));
      const p = sv('path', {class: 'renewal', d: 'M' + (rx - 5) + ' ' + (y + 31) + ' L' + (rx + 5) + ' ' + (y + 31) + ' L' + rx + ' ' + (y + 25) + ' Z'});
      p.append(sv('title', {}, 'next renewal ' + when(d['next-renewal'])));
      g.append(p);
    }
  });
  const nx = x(now);
  g.append(sv('line', {class: 'now', x1: nx, x2: nx, y1: 14, y2: H}));
  return el('div', {}, g, el('p', {class: 'legend muted'},
      el('span', {}, el('i', {class: 'served'}), 'served'), el('span', {}, el('i', {class: 'staged'}), 'staged'),
      el('span', {}, el('i', {class: 'past'}), 'replaced'), el('span', {}, el('i', {class: 'overlap'}), 'overlap'),
      el('span', {}, el('i', {class: 'gap'}), 'gap'), el('span', {}, el('i', {class: 'renewal'}), 'next renewal'),
      el('span', {}, 'red line: now')));
}

function relayCards(t) {
  const r = t.relay || {}, c = r.counters || {}, ren = r.renewals || {}, jobs = r.jobs || {};
  const cards = [
    card('renewals scheduled', ren.scheduled || 0),
    card('renewals due (backlog)', ren.due || 0, (ren['oldest-due-seconds'] || 0) > 300),
    card('waiting for the CA', (r.polls || {}).waiting || 0),
    card('jobs in flight', jobs.pending || 0),
    card('certificates issued', c.certificates_issued || 0),
    card('retries', c.retries || 0),
    card('orders failed', c.orders_failed || 0, (c.orders_failed || 0) > 0),
    card('budget deferrals', c.budget_deferred || 0)];
  if (t.budget) cards.push(card('upstream budget', t.budget.available + ' / ' + t.budget.capacity +
                                ' per ' + span(t.budget['period-seconds'] * 1000), t.budget.available < 1));
  return el('div', {class: 'cards relay'}, ...cards);
}

function render(doc) {
  const now = ms(doc.generated);
  const main = document.getElementById('tenants');
  main.replaceChildren();
  for (const t of doc.tenants) {
    const active = t.delegations.filter((d) => d.status === 'active').length;
    const warn = t.delegations.filter((d) => d.status === 'active' && expiring(d, now)).length;
    main.append(el('section', {class: 'tenant', 'data-tenant': t.name},
      el('h2', {}, 'Tenant ' + t.name + (t.upstream ? '' : ' (no upstream CA)')),
      el('div', {class: 'cards'}, card('NDCs', t.ndcs.length), card('active delegations', active),
         card('expiring, no renewal', warn, warn > 0),
         ...Object.entries(t['orders-by-state']).map(([s, n]) => card('orders ' + s, n))),
      t.truncated ? el('p', {class: 'warn'}, 'Too many delegations or orders: this view is cut off.') : '',
      el('h3', {}, 'Relay and upstream budget'), relayCards(t),
      el('h3', {}, 'Certificate validity timeline'), timeline(t, now),
      el('h3', {}, 'Delegations'), delegationTable(t, now),
      el('h3', {}, 'NDCs'), ndcTable(t)));
  }
}

async function load() {
  const status = document.getElementById('status');
  try {
    const r = await fetch('/admin/dashboard/data', {credentials: 'same-origin', cache: 'no-store'});
    if (r.status === 401) { status.textContent = 'Session expired: open /admin/dashboard?token=… again.'; status.dataset.state = 'unauthorized'; return; }
    if (!r.ok) throw new Error('HTTP ' + r.status);
    const doc = await r.json();
    render(doc);
    status.textContent = 'Updated ' + when(doc.generated);
    status.dataset.state = 'loaded';
  } catch (e) {
    status.textContent = 'Cannot load data: ' + e.message;
    status.dataset.state = 'error';
  }
  setTimeout(load, 15000);
}
load();
)JS";

/// CSP source expression of an inline element's exact content.
std::string cspHash(std::string_view content) {
    auto b64 = wire::base64UrlEncode(crypto::sha256(content));
    for (auto& c : b64) {
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (b64.size() % 4 != 0) {
        b64 += '=';
    }
    return "'sha256-" + b64 + "'";
}

std::string escapeHtml(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace

const std::string& DashboardPage::html() {
    static const std::string page = std::string(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Legate IdO dashboard</title>
<style>)") + std::string(kStyle) + R"(</style></head>
<body><header><h1>Legate IdO</h1><p id="status" data-state="loading">Loading…</p></header>
<main id="tenants"></main>
<script>)" + std::string(kScript) + "</script></body></html>\n";
    return page;
}

const std::string& DashboardPage::contentSecurityPolicy() {
    static const std::string policy =
        "default-src 'none'; script-src " + cspHash(kScript) + "; style-src " + cspHash(kStyle) +
        "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'";
    return policy;
}

std::string DashboardPage::signIn(const std::string& reason) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"referrer\" content=\"no-referrer\">"
           "<title>Legate IdO dashboard: sign in</title></head><body>"
           "<h1>Legate IdO dashboard</h1><p id=\"refused\">" +
           escapeHtml(reason) +
           "</p><p>Open <code>/admin/dashboard?token=ADMIN_TOKEN</code> once (the token of "
           "<code>admin.token-file</code>): it is exchanged for a session cookie and removed "
           "from the address, or send <code>Authorization: Bearer ADMIN_TOKEN</code>.</p>"
           "</body></html>\n";
}

}  // namespace legate::ido

// The overview as a dashboard (#/): counts that open the lists they count,
// already filtered; devices by class and by zone and new devices per day as
// small SVG charts drawn here (no library; attributes only, nothing inline the
// CSP would refuse); capture health; the checklist items with their titles and
// suggested levels. Every string from the API becomes a text node.
import { api, query } from './api.js';
import { append, clear, el, show } from './dom.js';
import { t, tv } from './i18n.js';
import { fmtDuration, fmtTime, timeZone } from './time.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// A label cut to `max` characters with "…" (the whole label is the tooltip).
function cut(text, max) {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text;
}

// Horizontal bars, one row per [key, count], largest first; a row with a link
// opens it. rows: [{key, label, count, href, title}].
function barChart(id, rows, caption) {
  if (!rows.length) return el('p', { className: 'muted' }, t('common.none'));
  const rowH = 22, labelW = 170, barW = 180, width = labelW + barW + 60;
  const max = Math.max(...rows.map((r) => r.count), 1);
  const chart = svg('svg', { id, class: 'chart bars', width, height: rows.length * rowH + 4,
    viewBox: '0 0 ' + width + ' ' + (rows.length * rowH + 4), role: 'img', 'aria-label': caption });
  rows.forEach((r, i) => {
    const y = i * rowH + 2;
    const w = Math.max(2, Math.round((r.count / max) * barW));
    const g = svg('g', { class: 'bar-row', 'data-key': r.key },
      svg('title', {}, r.title || r.label),
      svg('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end', class: 'bar-label' }, cut(r.label, 14)),
      svg('rect', { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 2, class: 'bar' }),
      svg('text', { x: labelW + w + 6, y: y + 15, class: 'bar-count' }, String(r.count)));
    chart.appendChild(r.href ? svg('a', { href: r.href, class: 'bar-link', 'data-count': r.count }, g) : g);
  });
  return chart;
}

// New devices per day: one column per day of the 30, the day and count as each
// column's tooltip, the first, middle and last day written under the axis.
function dayChart(days) {
  const width = 390, height = 130, left = 28, bottom = 20, top = 8;
  const plotW = width - left - 4, plotH = height - top - bottom;
  const max = Math.max(...days.map((d) => d.count), 1);
  const colW = plotW / Math.max(days.length, 1);
  const chart = svg('svg', { id: 'ov-new-chart', class: 'chart days', width, height, viewBox: '0 0 ' + width + ' ' + height,
    role: 'img', 'aria-label': t('dash.new_devices') });
  chart.appendChild(svg('line', { x1: left, y1: top + plotH, x2: width - 4, y2: top + plotH, class: 'axis' }));
  chart.appendChild(svg('text', { x: left - 4, y: top + 8, 'text-anchor': 'end', class: 'tick' }, String(max)));
  chart.appendChild(svg('text', { x: left - 4, y: top + plotH, 'text-anchor': 'end', class: 'tick' }, '0'));
  days.forEach((d, i) => {
    const h = Math.round((d.count / max) * plotH);
    const x = left + i * colW;
    chart.appendChild(svg('g', { class: 'day', 'data-day': d.day, 'data-count': d.count },
      svg('title', {}, d.day + ': ' + d.count),
      svg('rect', { x: x + 1, y: top + plotH - h, width: Math.max(1, colW - 2), height: h, class: d.count ? 'bar' : 'bar empty' })));
    // The first, middle and last day under the axis, kept inside the chart.
    const anchor = i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle';
    if (i === 0 || i === days.length - 1 || i === Math.floor(days.length / 2)) {
      chart.appendChild(svg('text', { x: anchor === 'start' ? x : anchor === 'end' ? x + colW : x + colW / 2, y: height - 5,
        'text-anchor': anchor, class: 'tick' }, d.day.slice(5)));
    }
  });
  return chart;
}

function card(id, label, value, href, bad) {
  const body = [el('div', {}, label), el('div', { className: 'big' + (bad ? ' bad' : ''), id }, show(value))];
  return href ? el('a', { className: 'card card-link', href, id: id + '-link' }, body) : el('div', { className: 'card' }, body);
}

function levelText(level) {
  return level === null || level === undefined ? t('level.none') : t('level.' + level);
}

export async function renderOverview(main) {
  const o = await api('overview');
  const cap = o.capture || {};
  const since = o.since_snapshot;
  const drops = cap.drops || 0;
  const packets = cap.packets || 0;
  const rate = packets + drops ? (100 * drops) / (packets + drops) : 0;
  const assetsHref = (p) => '#/assets' + query(p);
  const findingsHref = (p) => '#/findings' + query(Object.assign({ state: 'open' }, p));

  const classRows = Object.entries(o.by_class || {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => ({
    key: k, label: tv('class', k), title: tv('class', k) + ' (' + k + '): ' + v, count: v, href: assetsHref({ class: k }) }));
  const zoneRows = Object.entries(o.by_zone || {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => ({
    key: k, label: k === '' ? t('overview.no_zone') : k, count: v, href: k === '' ? null : assetsHref({ zone: k }) }));
  const newDays = o.new_devices_by_day || [];
  const newTotal = newDays.reduce((s, d) => s + d.count, 0);

  const itemRows = (o.checklist || []).map((c) => el('tr', { 'data-item': c.id },
    el('td', {}, c.id), el('td', {}, tv('item_title', c.id)),
    el('td', { className: 'level' + (c.level !== null && c.level <= 2 ? ' bad' : '') }, levelText(c.level)),
    el('td', { className: 'num' }, c.findings_open
      ? el('a', { href: findingsHref({ item: c.id }), className: 'item-findings-link' }, String(c.findings_open)) : '0')));
  const typeRows = Object.entries(o.findings_by_type || {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => el('tr', { 'data-type': k },
    el('td', { title: k }, tv('type', k)),
    el('td', { className: 'num' }, el('a', { href: findingsHref({ type: k }), className: 'type-findings-link', 'data-count': v }, String(v)))));

  // A fleet larger than the console's view: its devices and findings, but
  // not the checklist, the topology and the map (made over a whole view);
  // the server says why.
  const large = o.large_fleet ? el('p', { className: 'muted', id: 'ov-large-fleet' }, t('overview.large_fleet') + ' ',
    el('span', { className: 'detail' }, o.large_fleet)) : null;
  const notMade = (id) => el('p', { className: 'muted', id }, t('overview.not_made'));

  const runs = cap.runs || [];
  const lastRun = runs.length ? runs[0] : null;
  const captureState = !lastRun ? t('dash.no_capture')
    : lastRun.ended ? t('dash.stopped') + ' ' + fmtTime(lastRun.ended) + ' (' + lastRun.command + ')'
      : t('dash.running') + ' ' + fmtTime(lastRun.started) + ' (' + lastRun.command + ')';

  append(clear(main), [
    el('h1', {}, t('overview.title')),
    el('p', { className: 'muted', id: 'ov-zone' }, t('dash.time_zone') + ' ' + timeZone()),
    large,
    el('div', { className: 'cards' },
      card('ov-assets', t('overview.assets'), o.assets, '#/assets' + query({ q: '', page: 1 })),
      card('ov-links', t('overview.links'), o.links, large ? null : '#/topology'),
      card('ov-findings', t('overview.findings_open'), o.findings_open, findingsHref({}), o.findings_open > 0),
      card('ov-unapproved', t('overview.unapproved'), o.unapproved, o.unapproved === null ? null : assetsHref({ approved: 'false' }), o.unapproved > 0),
      card('ov-drops', t('overview.drops'), drops, null, drops > 0)),
    o.findings_error ? el('p', { className: 'error' }, o.findings_error) : null,
    el('div', { className: 'dash-grid' },
      el('section', { className: 'dash-panel' }, el('h2', {}, t('overview.by_class')), barChart('ov-class-chart', classRows, t('overview.by_class'))),
      el('section', { className: 'dash-panel' }, el('h2', {}, t('overview.by_zone')), barChart('ov-zone-chart', zoneRows, t('overview.by_zone'))),
      el('section', { className: 'dash-panel' }, el('h2', {}, t('dash.new_devices')),
        newDays.length ? dayChart(newDays) : el('p', { className: 'muted' }, t('common.none')),
        el('p', {}, el('span', { id: 'ov-new-total' }, String(newTotal)), ' ' + t('dash.new_devices_total') + ' ',
          el('a', { href: assetsHref({ sort: 'first_seen', order: 'desc' }), id: 'ov-newest' }, t('dash.newest')))),
      el('section', { className: 'dash-panel' }, el('h2', {}, t('overview.capture')),
        el('table', { className: 'kv', id: 'ov-capture' }, el('tbody', {},
          el('tr', {}, el('th', {}, t('dash.capture_state')), el('td', {}, captureState)),
          el('tr', {}, el('th', {}, t('dash.last_traffic')), el('td', { id: 'ov-last-traffic' }, fmtTime(cap.last_traffic))),
          el('tr', {}, el('th', {}, t('overview.packets')), el('td', { className: 'num' }, packets.toLocaleString())),
          el('tr', {}, el('th', {}, t('overview.drops')), el('td', { className: 'num' + (drops ? ' bad' : '') }, drops.toLocaleString())),
          el('tr', {}, el('th', {}, t('dash.drop_rate')), el('td', { className: 'num' + (rate > 0.1 ? ' bad' : ''), id: 'ov-drop-rate' }, rate.toFixed(3) + ' %')),
          el('tr', {}, el('th', {}, t('overview.uptime')), el('td', { id: 'ov-uptime' }, fmtDuration(cap.uptime_s))))),
        (cap.interfaces || []).length ? el('table', { id: 'ov-interfaces' },
          el('thead', {}, el('tr', {}, el('th', {}, t('col.interface')), el('th', {}, t('overview.drops')))),
          el('tbody', {}, cap.interfaces.map((i) => el('tr', {}, el('td', {}, i.interface),
            el('td', { className: 'num' + (i.dropped + i.if_dropped ? ' bad' : '') }, i.dropped + i.if_dropped))))) : null)),
    el('h2', {}, t('dash.checklist')),
    itemRows.length ? el('table', { id: 'ov-checklist' },
      el('thead', {}, el('tr', {}, el('th', {}, t('col.item')), el('th', {}, t('dash.item_title')), el('th', {}, t('dash.level')),
        el('th', {}, t('overview.findings_open')))),
      el('tbody', {}, itemRows)) : large ? notMade('ov-checklist-not-made') : el('p', { className: 'muted' }, t('common.none')),
    el('h2', {}, t('dash.findings_by_type')),
    typeRows.length ? el('table', { id: 'ov-types' },
      el('thead', {}, el('tr', {}, el('th', {}, t('col.type')), el('th', {}, t('overview.count')))), el('tbody', {}, typeRows))
      : el('p', { className: 'muted' }, t('common.none')),
    el('h2', {}, t('overview.since')),
    since ? el('table', { className: 'kv', id: 'ov-since' }, el('tbody', {},
      [['col.snapshot', since.snapshot + ' (' + fmtTime(since.taken) + ')'],
        ['changes.new_assets', since.new_assets], ['changes.vanished_assets', since.vanished_assets],
        ['changes.changed_assets', since.changed_assets], ['changes.new_links', since.new_links],
        ['changes.drops', since.capture_drops]].map(([k, v]) => el('tr', {}, el('th', {}, t(k)), el('td', {}, String(v))))))
      : el('p', { className: 'muted', id: o.fleet ? 'ov-fleet' : null }, t(o.fleet ? 'fleet.per_sensor' : 'overview.no_snapshot')),
  ]);
}

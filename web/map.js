// The network map (#/topology): one level at a time from GET /api/v1/map, drawn
// by Cytoscape.js (web/vendor) on a canvas.
//   #/topology                       the plant: zones by Purdue level, top to bottom
//   #/topology/zone/<zone id>        a zone: devices grouped by class, devices
//                                    behind a gateway or backplane inside it
//   #/topology/device/<asset id>     a device: neighbours, every conversation
//   ...?focus=<asset id>             centre the map on that device
// Layouts are computed here from the names and ids the server sends, so a level looks the
// same on every visit; a node the user dragged keeps its place (localStorage).
// Labels on the canvas are text by construction; every HTML part (breadcrumb,
// filters, side panel, search results) is built with dom.js el(), never HTML.
import { api, query } from './api.js';
import { append, clear, el, show } from './dom.js';
import { t, tv } from './i18n.js';
import { assetName } from './names.js';

let cytoscapeLib = null;
async function cytoscape() {
  if (!cytoscapeLib) cytoscapeLib = (await import('./vendor/cytoscape.esm.min.js')).default;
  return cytoscapeLib;
}

// Above this many elements the map draws a cheap picture while moving.
const kBig = 1500;
const kCellW = 170, kCellH = 70;
// The grid step of the other zones beside a zone's devices.
const kExtW = 200, kExtH = 110;

export function mapHash(level, arg, focus) {
  let h = '#/topology';
  if (level === 'zone' || level === 'device') h += '/' + level + '/' + encodeURIComponent(arg);
  if (focus) h += '?focus=' + encodeURIComponent(focus);
  return h;
}

// The route's pattern: level, argument, focus.
export const mapRoute = /^#\/topology(?:\/(zone|device)\/([^?]+))?(?:\?focus=(.+))?$/;

function zoneLabel(z) {
  if (!z || z.kind === 'none' || z.name === null || z.name === undefined) return t('map.no_zone');
  return z.name;
}

function levelText(level) {
  return level === null || level === undefined ? t('map.level_none') : t('map.level') + ' ' + level;
}

// Purdue levels top (highest) to bottom; zones without a level last; by name within.
function plantPositions(zones) {
  const rows = new Map();
  for (const z of zones) {
    const key = z.level === null || z.level === undefined ? -1e9 : z.level;
    if (!rows.has(key)) rows.set(key, []);
    rows.get(key).push(z);
  }
  const keys = [...rows.keys()].sort((a, b) => b - a);
  const perRow = 6;
  const pos = {};
  let y = 0;
  for (const k of keys) {
    const list = rows.get(k).sort((a, b) => zoneLabel(a).localeCompare(zoneLabel(b)) || a.id.localeCompare(b.id));
    for (let i = 0; i < list.length; ++i) {
      if (i && i % perRow === 0) y += 130;
      const inRow = Math.min(perRow, list.length - Math.floor(i / perRow) * perRow);
      pos[list[i].id] = { x: (i % perRow - (inRow - 1) / 2) * 310, y };
    }
    y += 170;
  }
  return pos;
}

// Devices of a zone: one band per class (sorted), in each a grid of blocks; a
// device with devices behind it is a block holding them in a small grid.
// Devices in the order plant staff read their names: numbers inside a name
// compare as numbers (成形機 2号 before 成形機 10号), then the id breaks ties.
const kNameOrder = new Intl.Collator(undefined, { numeric: true });
function byName(a, b) {
  return kNameOrder.compare(String(a.label || ''), String(b.label || '')) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function zonePositions(unsorted) {
  const nodes = [...unsorted].sort(byName);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const kids = new Map();
  for (const n of nodes) if (n.parent && byId.has(n.parent)) (kids.get(n.parent) || kids.set(n.parent, []).get(n.parent)).push(n);
  const top = nodes.filter((n) => !(n.parent && byId.has(n.parent)));
  const classes = new Map();
  for (const n of top) (classes.get(n.class) || classes.set(n.class, []).get(n.class)).push(n);
  // Columns for a grid about as wide as the map is (1.6:1 with 170x70 cells),
  // so that opening the zone (fit) leaves its labels legible at 2x.
  const width = Math.max(6, Math.ceil(Math.sqrt(nodes.length * 0.6)));
  const pos = {};
  // Places `n` and everything behind it at cell (cx, cy); returns the block's size in cells.
  const size = (n) => {
    const k = kids.get(n.id);
    if (!k) return { w: 1, h: 1 };
    const cols = Math.ceil(Math.sqrt(k.length));
    return { w: cols, h: Math.ceil(k.length / cols) + 0.6 };
  };
  const place = (n, cx, cy) => {
    const k = kids.get(n.id);
    if (!k) { pos[n.id] = { x: cx * kCellW, y: cy * kCellH }; return; }
    const cols = Math.ceil(Math.sqrt(k.length));
    k.forEach((c, i) => place(c, cx + (i % cols), cy + 0.6 + Math.floor(i / cols)));
  };
  let y = 0;
  for (const cls of [...classes.keys()].sort()) {
    let x = 0, rowH = 1;
    for (const n of classes.get(cls)) {
      const s = size(n);
      if (x && x + s.w > width) { x = 0; y += rowH; rowH = 1; }
      place(n, x, y);
      x += s.w;
      rowH = Math.max(rowH, s.h);
    }
    y += rowH + 1;
  }
  return { pos, width, height: y };
}

function devicePositions(device, neighbours) {
  const pos = { [device.id]: { x: 0, y: 0 } };
  const n = neighbours.length;
  const r = Math.max(220, n * 28);
  neighbours.forEach((nb, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, n) - Math.PI / 2;
    pos[nb.id] = { x: Math.round(r * Math.cos(a)), y: Math.round(r * Math.sin(a)) };
  });
  return pos;
}

function opsText(ops) {
  return ops.map((o) => (o.control ? '⚠ ' : o.write ? '✎ ' : '') + o.name + ' ' + o.count).join(', ');
}

function deviceText(n) {
  const parts = [n.label];
  if (n.ips && n.ips.length && n.ips[0] !== n.label) parts.push(n.ips[0]);
  return parts.join('\n');
}

const style = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 13, 'text-wrap': 'wrap', 'text-max-width': 150,
    'text-valign': 'center', 'text-halign': 'center', 'background-color': '#dfe7f3', 'border-width': 1, 'border-color': '#7d8ca3',
    shape: 'round-rectangle', width: 150, height: 46, color: '#1d2330', 'min-zoomed-font-size': 7 } },
  { selector: 'node.zone', style: { width: 210, height: 80, 'font-size': 16, 'font-weight': 'bold', 'background-color': '#eef3fa' } },
  { selector: 'node.flagged', style: { 'border-color': '#b3261e', 'border-width': 3, 'background-color': '#fde7e5' } },
  { selector: 'node.group', style: { 'background-color': '#f6f7f9', 'background-opacity': 0.6, 'border-style': 'dashed',
    'text-valign': 'top', 'text-halign': 'center', 'font-size': 15, 'font-weight': 'bold', padding: 14, shape: 'rectangle' } },
  { selector: 'node.holder', style: { 'background-color': '#e9eef6', 'text-valign': 'top', padding: 8 } },
  { selector: 'node.ext', style: { shape: 'hexagon', 'background-color': '#fff4d6', width: 170 } },
  { selector: 'node.center', style: { 'border-width': 3, 'border-color': '#1f5fae', width: 190, height: 60, 'font-size': 15 } },
  { selector: 'node.focus', style: { 'border-width': 5, 'border-color': '#e08a00' } },
  { selector: 'edge', style: { width: 1.5, 'line-color': '#8b96a8', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle',
    'target-arrow-color': '#8b96a8', 'arrow-scale': 0.8, label: 'data(label)', 'font-size': 11, 'text-rotation': 'autorotate',
    'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 2, 'min-zoomed-font-size': 8,
    'text-wrap': 'wrap' } },
  { selector: 'edge.violation', style: { 'line-color': '#b3261e', 'target-arrow-color': '#b3261e', width: 3, color: '#b3261e' } },
  { selector: 'edge.control', style: { 'line-style': 'dashed', width: 3 } },
  { selector: '.hidden', style: { display: 'none' } },
];
// Thousands of devices: straight edges without arrows or labels (the side panel
// and the device level carry them), the cheapest Cytoscape draws.
const bigStyle = [
  { selector: 'edge', style: { 'curve-style': 'haystack', 'haystack-radius': 0, 'target-arrow-shape': 'none', label: '', width: 1 } },
  { selector: 'edge.violation', style: { width: 2 } },
];

// Elements of one level, and what its filters can choose from.
function elementsOf(data, plantZones) {
  const els = [];
  const choice = { classes: new Set(), protocols: new Set(), flags: new Set() };
  const zoneName = new Map((plantZones || []).map((z) => [z.id, zoneLabel(z)]));
  let pos = {};
  if (data.level === 'plant') {
    pos = plantPositions(data.zones);
    for (const z of data.zones) {
      Object.keys(z.classes || {}).forEach((c) => choice.classes.add(c));
      Object.keys(z.flags || {}).forEach((f) => choice.flags.add(f));
      els.push({ group: 'nodes', classes: 'zone' + (z.flagged ? ' flagged' : ''), position: pos[z.id],
        data: { id: z.id, label: zoneLabel(z) + '\n' + levelText(z.level) + ' · ' + z.devices + ' ' + t('map.devices'),
          kind: 'zone', internal: z.internal, classes: Object.keys(z.classes || {}), flags: Object.keys(z.flags || {}), zone: z.id } });
    }
    data.links.forEach((l, i) => {
      l.protocols.forEach((p) => choice.protocols.add(p.protocol));
      els.push({ group: 'edges', classes: l.violations ? 'violation' : '',
        data: { id: 'l' + i, source: l.from, target: l.to, protocols: l.protocols.map((p) => p.protocol),
          label: l.protocols.map((p) => p.protocol + ' ' + p.conversations + (p.violations ? ' ✕' + p.violations : '')).join('\n') } });
    });
    return { els, choice };
  }
  if (data.level === 'zone') {
    const laid = zonePositions(data.nodes);
    pos = laid.pos;
    const holders = new Set(data.nodes.filter((n) => n.parent).map((n) => n.parent));
    const groups = new Set();
    for (const n of data.nodes) {
      choice.classes.add(n.class);
      n.flags.forEach((f) => choice.flags.add(f));
      const gid = 'class:' + n.class;
      if (!n.parent && !groups.has(gid)) {
        groups.add(gid);
        els.push({ group: 'nodes', classes: 'group', data: { id: gid, label: tv('class', n.class), kind: 'group', cls: n.class } });
      }
      els.push({ group: 'nodes', classes: (n.flags.length ? 'flagged' : '') + (holders.has(n.id) ? ' holder' : ''),
        position: holders.has(n.id) ? undefined : pos[n.id],
        data: { id: n.id, parent: n.parent || gid, label: deviceText(n) + (n.route ? '\n[' + n.route + ']' : ''), kind: 'device',
          cls: n.class, flags: n.flags } });
    }
    data.edges.forEach((e, i) => {
      choice.protocols.add(e.protocol);
      els.push({ group: 'edges', classes: e.violation ? 'violation' : '',
        data: { id: 'e' + i, source: e.from, target: e.to, protocols: [e.protocol], label: e.protocol } });
    });
    // Other zones this one talks to: one node each, to the right of the grid,
    // in columns no taller than the grid (a zone talking to every other zone
    // must not stretch the picture and shrink it when fitted).
    const others = [...new Set(data.external.map((x) => x.zone))].sort();
    const right = Math.max(0, ...Object.values(pos).map((p) => p.x)) + 1.6 * kCellW;
    const perColumn = Math.max(4, Math.ceil((laid.height * kCellH) / kExtH));
    others.forEach((z, i) => {
      els.push({ group: 'nodes', classes: 'ext', position: { x: right + Math.floor(i / perColumn) * kExtW, y: (i % perColumn) * kExtH },
        data: { id: 'ext:' + z, label: t('map.other_zone') + '\n' + (zoneName.get(z) || t('map.no_zone')), kind: 'ext', zone: z } });
    });
    data.external.forEach((x, i) => {
      x.protocols.forEach((p) => choice.protocols.add(p));
      const out = x.direction === 'out';
      els.push({ group: 'edges', classes: x.violations ? 'violation' : '',
        data: { id: 'x' + i, source: out ? x.device : 'ext:' + x.zone, target: out ? 'ext:' + x.zone : x.device,
          protocols: x.protocols, label: x.protocols.join(', ') + ' (' + x.conversations + ')' } });
    });
    return { els, choice };
  }
  const d = data.device;
  pos = devicePositions(d, data.neighbours);
  for (const n of [d, ...data.neighbours]) {
    choice.classes.add(n.class);
    n.flags.forEach((f) => choice.flags.add(f));
    const other = n.zone !== d.zone ? '\n(' + (n.zone_name === null ? t('map.no_zone') : n.zone_name) + ')' : '';
    els.push({ group: 'nodes', classes: (n.id === d.id ? 'center' : '') + (n.flags.length ? ' flagged' : ''), position: pos[n.id],
      data: { id: n.id, label: deviceText(n) + other, kind: 'device', cls: n.class, flags: n.flags } });
  }
  // One edge per (from, to, protocol): its ports and operations summed.
  const pairs = new Map();
  for (const c of data.conversations) {
    choice.protocols.add(c.protocol);
    const key = c.from + '\n' + c.to + '\n' + c.protocol;
    const p = pairs.get(key) || pairs.set(key, { from: c.from, to: c.to, protocol: c.protocol, ports: [], ops: [], violation: false }).get(key);
    p.ports.push(c.port);
    p.ops.push(...c.ops);
    p.violation = p.violation || c.violation;
  }
  [...pairs.values()].forEach((p, i) => {
    const control = p.ops.some((o) => o.control);
    els.push({ group: 'edges', classes: (p.violation ? 'violation' : '') + (control ? ' control' : ''),
      data: { id: 'c' + i, source: p.from, target: p.to, protocols: [p.protocol],
        label: p.protocol + ' ' + [...new Set(p.ports)].join(',') + (p.ops.length ? '\n' + opsText(p.ops) : '') } });
  });
  return { els, choice };
}

// Positions the user dragged, per level.
function savedKey(level, arg) { return 'mieruka.map.' + level + ':' + arg; }
function loadSaved(level, arg) {
  try { return JSON.parse(localStorage.getItem(savedKey(level, arg)) || '{}') || {}; } catch { return {}; }
}
function saveNode(level, arg, node) {
  const s = loadSaved(level, arg);
  s[node.id()] = node.position();
  try { localStorage.setItem(savedKey(level, arg), JSON.stringify(s)); } catch { /* full or private */ }
}

// The SVG of what is drawn: built as DOM (text nodes), serialised by the browser.
function exportSvg(cy) {
  const ns = 'http://www.w3.org/2000/svg';
  const bb = cy.elements(':visible').boundingBox();
  const svg = document.createElementNS(ns, 'svg');
  const pad = 20;
  svg.setAttribute('xmlns', ns);
  svg.setAttribute('viewBox', [bb.x1 - pad, bb.y1 - pad, bb.w + 2 * pad, bb.h + 2 * pad].join(' '));
  svg.setAttribute('width', String(Math.round(bb.w + 2 * pad)));
  svg.setAttribute('height', String(Math.round(bb.h + 2 * pad)));
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    svg.appendChild(n);
    return n;
  };
  const lines = (x, y, text, size, color) => {
    const tx = add('text', { x, y, 'font-size': size, 'text-anchor': 'middle', 'font-family': 'sans-serif', fill: color });
    String(text).split('\n').forEach((line, i) => {
      const s = document.createElementNS(ns, 'tspan');
      s.setAttribute('x', String(x));
      s.setAttribute('dy', i ? '1.2em' : '0');
      s.textContent = line;
      tx.appendChild(s);
    });
  };
  for (const n of cy.nodes(':visible').filter((x) => x.isParent())) {
    const b = n.boundingBox({ includeLabels: false });
    add('rect', { x: b.x1, y: b.y1, width: b.w, height: b.h, fill: n.style('background-color'), 'fill-opacity': 0.5, stroke: n.style('border-color'), 'stroke-dasharray': '4 3' });
    lines(b.x1 + b.w / 2, b.y1 - 4, n.data('label'), 14, '#1d2330');
  }
  for (const e of cy.edges(':visible')) {
    const s = e.sourceEndpoint(), d = e.targetEndpoint();
    add('line', { x1: s.x, y1: s.y, x2: d.x, y2: d.y, stroke: e.style('line-color'), 'stroke-width': parseFloat(e.style('width')) || 1 });
    if (e.data('label')) lines((s.x + d.x) / 2, (s.y + d.y) / 2, e.data('label'), 10, e.style('color'));
  }
  for (const n of cy.nodes(':visible').filter((x) => !x.isParent())) {
    const p = n.position(), w = n.width(), h = n.height();
    add('rect', { x: p.x - w / 2, y: p.y - h / 2, width: w, height: h, rx: 6, fill: n.style('background-color'), stroke: n.style('border-color'), 'stroke-width': parseFloat(n.style('border-width')) || 1 });
    lines(p.x, p.y - 2, n.data('label'), 12, '#1d2330');
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Renders the level into `main`; returns what to run once the page is in the
// document (Cytoscape measures its container).
export async function renderMap(main, level, arg, focus) {
  const started = performance.now();
  // The plant (zone names for the filters and breadcrumb), the level and the library at once.
  const [plant, levelData, lib] = await Promise.all([api('map' + query({ level: 'plant' })),
    level === 'plant' ? null : api('map' + query(level === 'zone' ? { level, zone: arg } : { level, id: arg })), cytoscape()]);
  const data = levelData || plant;
  const fetched = performance.now();
  const zoneById = new Map(plant.zones.map((z) => [z.id, z]));

  // Breadcrumb: plant > zone > device.
  const crumbs = [el('a', { href: mapHash('plant'), id: 'map-crumb-plant' }, t('map.plant'))];
  const zoneOfLevel = level === 'zone' ? arg : level === 'device' ? data.device.zone : '';
  if (zoneOfLevel) crumbs.push(' › ', el('a', { href: mapHash('zone', zoneOfLevel), id: 'map-crumb-zone' }, zoneLabel(zoneById.get(zoneOfLevel) || data.zone)));
  if (level === 'device') crumbs.push(' › ', el('span', { id: 'map-crumb-device' }, data.device.label));

  const { els, choice } = elementsOf(data, plant.zones);
  const saved = plant.zones.length && els.length < kBig ? loadSaved(level, arg) : {};
  for (const e of els) if (e.group === 'nodes' && saved[e.data.id] && e.position) e.position = saved[e.data.id];

  const box = el('div', { className: 'map', id: 'map', 'data-level': level });
  const panel = el('div', { className: 'map-panel', id: 'map-panel' });
  const status = el('span', { className: 'muted', id: 'map-count' });
  const sel = (id, label, values, labelOf) => {
    const s = el('select', { id, 'aria-label': label }, el('option', { value: '' }, label + ': ' + t('common.all')),
      [...values].sort().map((v) => el('option', { value: v }, labelOf(v))));
    return s;
  };
  const fZone = sel('map-filter-zone', t('col.zone'), plant.zones.map((z) => z.id), (id) => zoneLabel(zoneById.get(id)));
  const fClass = sel('map-filter-class', t('col.class'), choice.classes, (c) => tv('class', c));
  const fProto = sel('map-filter-protocol', t('col.protocol'), choice.protocols, (p) => p);
  const fFlag = sel('map-filter-finding', t('col.type'), choice.flags, (f) => tv('type', f));
  const search = el('input', { id: 'map-search', type: 'search', placeholder: t('map.search'), size: 28 });
  const results = el('div', { id: 'map-results', className: 'map-results' });
  const form = el('form', { id: 'map-search-form', className: 'map-search' }, search, el('button', { type: 'submit' }, t('map.find')));

  let cy = null;
  // What each filter hides is decided from the data first, then drawn in one batch.
  const applyFilters = () => {
    if (!cy) return;
    const zone = fZone.value, cls = fClass.value, proto = fProto.value, flag = fFlag.value;
    const hide = new Set();
    if (level === 'plant' && zone) {
      const keep = cy.getElementById(zone).closedNeighborhood();
      cy.nodes().not(keep).forEach((n) => hide.add(n.id()));
    }
    cy.nodes().forEach((n) => {
      const d = n.data();
      if (d.kind === 'zone') {
        if ((cls && !d.classes.includes(cls)) || (flag && !d.flags.includes(flag))) hide.add(d.id);
      } else if (d.kind === 'device' && !n.hasClass('center')) {
        if ((cls && d.cls !== cls) || (flag && !d.flags.includes(flag))) hide.add(d.id);
      }
    });
    const hiddenEdge = (e) => hide.has(e.data('source')) || hide.has(e.data('target')) || (proto && !e.data('protocols').includes(proto));
    if (proto && level !== 'plant') {
      cy.nodes('[kind = "device"], [kind = "ext"]').forEach((n) => {
        if (!n.hasClass('center') && !n.isParent() && n.connectedEdges().filter((e) => !hiddenEdge(e)).length === 0) hide.add(n.id());
      });
    }
    // A class group goes when nothing in it is left.
    const parents = cy.nodes().filter((n) => n.isParent()).sort((a, b) => b.ancestors().length - a.ancestors().length);
    parents.forEach((g) => { if (g.data('kind') === 'group' && g.children().every((c) => hide.has(c.id()))) hide.add(g.id()); });
    cy.batch(() => {
      cy.elements().removeClass('hidden');
      cy.nodes().filter((n) => hide.has(n.id())).addClass('hidden');
      cy.edges().filter(hiddenEdge).addClass('hidden');
    });
    const shown = cy.nodes().filter((n) => !hide.has(n.id()) && (n.data('kind') === 'device' || n.data('kind') === 'zone')).length;
    status.textContent = (level === 'plant' ? t('map.zones_shown') : t('map.devices_shown')) + ': ' + shown;
  };
  fZone.addEventListener('change', () => {
    if (level !== 'plant' && fZone.value) { location.hash = mapHash('zone', fZone.value); return; }
    applyFilters();
  });
  for (const s of [fClass, fProto, fFlag]) s.addEventListener('change', applyFilters);

  const centreOn = (id) => {
    const n = cy && cy.getElementById(id);
    if (!n || n.empty()) return false;
    cy.nodes().removeClass('focus');
    n.removeClass('hidden').addClass('focus');
    cy.zoom({ level: Math.max(cy.zoom(), 1.2), renderedPosition: n.renderedPosition() });
    cy.center(n);
    box.setAttribute('data-focus', id);
    return true;
  };
  const openDevice = async (id) => {
    if (centreOn(id)) return;
    const d = await api('map' + query({ level: 'device', id }));
    location.hash = mapHash('zone', d.device.zone, id);
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(results);
    const q = search.value.trim();
    if (!q) return;
    const found = await api('assets' + query({ q, per_page: 10 }));
    if (!found.items.length) { results.appendChild(el('p', { className: 'muted' }, t('map.not_found'))); return; }
    if (found.items.length === 1) { await openDevice(found.items[0].id); return; }
    append(results, [el('p', { className: 'muted' }, found.total + ' ' + t('map.matches')),
      el('ul', {}, found.items.map((a) => el('li', {}, el('button', { type: 'button', className: 'linklike', 'data-id': a.id,
        onclick: () => openDevice(a.id) }, assetName(a) + ' ' + show(a.ips) + ' ' + show(a.mac)))))]);
  });

  const pngButton = el('button', { type: 'button', id: 'map-png', onclick: () => cy && download(cy.png({ output: 'blob', full: true, bg: '#ffffff', maxWidth: 8000, maxHeight: 8000 }), 'mieruka-map.png') }, t('map.export_png'));
  const svgButton = el('button', { type: 'button', id: 'map-svg', onclick: () => cy && download(new Blob([exportSvg(cy)], { type: 'image/svg+xml' }), 'mieruka-map.svg') }, t('map.export_svg'));
  const fitButton = el('button', { type: 'button', id: 'map-fit', onclick: () => cy && cy.fit(cy.elements(':visible'), 30) }, t('topology.reset'));

  append(clear(main), [
    el('h1', {}, t('topology.title')),
    el('nav', { className: 'crumbs', id: 'map-crumbs', 'aria-label': t('map.levels') }, crumbs),
    el('div', { className: 'filters' }, fZone, fClass, fProto, fFlag, form, fitButton, pngButton, svgButton, status),
    results,
    el('p', { className: 'muted' }, t(level === 'plant' ? 'map.help_plant' : level === 'zone' ? 'map.help_zone' : 'map.help_device')),
    el('div', { className: 'map-wrap' }, box, panel),
  ]);
  fillPanel(panel, data, zoneById);

  return () => {
    const big = els.length > kBig;
    cy = lib({
      container: box, elements: els, style: big ? style.concat(bigStyle) : style, layout: { name: 'preset', fit: true, padding: 30 },
      boxSelectionEnabled: false, selectionType: 'single', minZoom: 0.02, maxZoom: 4, wheelSensitivity: 0.3,
      textureOnViewport: big, hideEdgesOnViewport: big, hideLabelsOnViewport: big, pixelRatio: big ? 1 : 'auto',
    });
    Object.defineProperty(box, 'cy', { value: cy });
    // How long each step took (ms from the route's start), for bench/map_render.sh.
    box.setAttribute('data-fetched-ms', String(Math.round(fetched - started)));
    box.setAttribute('data-built-ms', String(Math.round(performance.now() - started)));
    cy.one('render', () => box.setAttribute('data-rendered-ms', String(Math.round(performance.now() - started))));
    cy.on('tap', 'node', (ev) => {
      const d = ev.target.data();
      if (d.kind === 'zone') location.hash = mapHash('zone', d.id);
      else if (d.kind === 'ext') location.hash = mapHash('zone', d.zone);
      else if (d.kind === 'device') {
        if (level === 'device' && d.id === arg) location.hash = '#/asset/' + encodeURIComponent(d.id);
        else location.hash = mapHash('device', d.id);
      }
    });
    if (!big) cy.on('dragfree', 'node', (ev) => saveNode(level, arg, ev.target));
    if (fZone.value || fClass.value || fProto.value || fFlag.value) applyFilters();
    else status.textContent = (level === 'plant' ? t('map.zones_shown') : t('map.devices_shown')) + ': ' +
      cy.nodes().filter((n) => n.data('kind') === 'device' || n.data('kind') === 'zone').length;
    if (focus) centreOn(focus);
  };
}

function fillPanel(panel, data, zoneById) {
  const parts = [];
  if (data.level === 'plant') {
    parts.push(el('h2', {}, t('map.zones')));
    parts.push(el('ul', { className: 'plain' }, data.zones.map((z) => el('li', {},
      el('a', { href: mapHash('zone', z.id) }, zoneLabel(z)), ' ', el('span', { className: 'muted' }, levelText(z.level) + ' · ' + z.devices),
      z.flagged ? el('span', { className: 'bad' }, ' ⚑' + z.flagged) : null))));
    const bad = data.links.filter((l) => l.violations);
    parts.push(el('h2', {}, t('map.violations') + ' (' + bad.length + ')'));
    parts.push(el('ul', { className: 'plain', id: 'map-violations' }, bad.map((l) => el('li', { className: 'bad' },
      zoneLabel(zoneById.get(l.from)) + ' → ' + zoneLabel(zoneById.get(l.to)) + ': ' +
      l.protocols.filter((p) => p.violations).map((p) => p.protocol + ' ' + p.violations).join(', ')))));
  } else if (data.level === 'zone') {
    const z = data.zone;
    parts.push(el('h2', {}, zoneLabel(z)), el('p', { className: 'muted' }, levelText(z.level) + ' · ' + data.nodes.length + ' ' + t('map.devices')));
    const flagged = data.nodes.filter((n) => n.flags.length).sort(byName).slice(0, 50);
    parts.push(el('h2', {}, t('map.flagged')));
    parts.push(el('ul', { className: 'plain' }, flagged.map((n) => el('li', {},
      el('a', { href: mapHash('device', n.id) }, n.label), ' ', el('span', { className: 'muted' }, n.flags.map((f) => tv('type', f)).join(', '))))));
  } else {
    const d = data.device;
    parts.push(el('h2', {}, d.label), el('p', {}, el('a', { href: '#/asset/' + encodeURIComponent(d.id), id: 'map-asset-link' }, t('map.open_asset'))),
      el('p', { className: 'muted' }, [tv('class', d.class), show(d.ips), show(d.mac), show(d.vendor), show(d.product)].join(' · ')));
    parts.push(el('h2', {}, t('map.conversations') + ' (' + data.conversations.length + ')'));
    parts.push(el('table', { id: 'map-conversations' }, el('thead', {}, el('tr', {}, ['col.direction', 'col.peer', 'col.protocol', 'col.port', 'col.packets', 'map.operations'].map((k) => el('th', {}, t(k))))),
      el('tbody', {}, data.conversations.map((c) => {
        const out = c.from === d.id;
        const peer = out ? c.to : c.from;
        const nb = data.neighbours.find((n) => n.id === peer);
        return el('tr', { className: c.violation ? 'flagged-row' : '' }, el('td', {}, out ? '→' : '←'),
          el('td', {}, el('a', { href: mapHash('device', peer) }, nb ? nb.label : peer)), el('td', {}, c.protocol), el('td', { className: 'num' }, c.port),
          el('td', { className: 'num' }, c.packets),
          el('td', {}, c.ops.map((o) => el('span', { className: o.control ? 'bad' : '' }, (o.control ? t('map.op_control') : o.write ? t('map.op_write') : t('map.op_read')) + ' ' + o.name + ' ×' + o.count + ' '))));
      }))));
  }
  append(clear(panel), parts);
}

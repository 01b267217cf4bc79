// The Mieruka console: a single page with hash routes (#/assets, #/asset/ID, ...).
// Plain ES modules, no framework, nothing from the internet. Every string from
// the API goes into the page as text (dom.js), never as HTML.
import { api, ApiError, query, setCsrf } from './api.js';
import { append, clear, el, show } from './dom.js';
import { getLang, setLang, t, translateStatic, tv } from './i18n.js';
import { mapRoute, renderMap } from './map.js';
import { renderOverview } from './overview.js';
import { fmtTime, setTimeZone } from './time.js';
import { assetName, nameWithAddress, plantLedger } from './names.js';
import { renderChanges } from './changes.js';
import { reportLinks } from './reports.js';
import { renderFindings as renderFindingsPage } from './findings.js';

// Pages render into `main`: a detached element that route() puts in place of the
// last page once it is complete, unless the user went elsewhere meanwhile.
const root = document.getElementById('main');
let current = root;  // the page being built
let routeSeq = 0;
let me = null;  // {user, role, csrf, time_zone, fleet}
let fleet = null;  // a fleet console's {sensors, sites} (the overview's), for the pickers

function status(text) {
  const s = document.getElementById('status');
  s.textContent = text || '';
  if (text) setTimeout(() => { if (s.textContent === text) s.textContent = ''; }, 4000);
}

function isAdmin() { return me && me.role === 'admin'; }
// Whether this console may write: a fleet console (me.fleet) reads the central store only.
function canWrite() { return isAdmin() && !me.fleet; }
// A fleet console's sensor and site pickers (each '' = all), or none elsewhere.
async function fleetPickers(current, onChange) {
  if (!me.fleet) return [];
  if (!fleet) fleet = (await api('overview')).fleet || { sensors: [], sites: [] };
  const pick = (id, values, value, label, all) => {
    const s = el('select', { id, 'aria-label': label }, el('option', { value: '' }, all), values.map((v) => el('option', { value: v }, v)));
    s.value = value;
    return s;
  };
  const sensor = pick('fleet-sensor', fleet.sensors, current.sensor, t('fleet.sensor'), t('fleet.sensor') + ': ' + t('fleet.all_sensors'));
  const site = pick('fleet-site', fleet.sites || [], current.site, t('fleet.site'), t('fleet.site') + ': ' + t('fleet.all_sites'));
  for (const s of [sensor, site]) s.addEventListener('change', () => onChange({ sensor: sensor.value, site: site.value }));
  return [sensor, site];
}

function table(columns, rows, rowFn) {
  const head = el('tr', {}, columns.map((c) => el('th', {}, t(c))));
  const body = el('tbody');
  for (const r of rows) body.appendChild(rowFn(r));
  return el('table', {}, el('thead', {}, head), body);
}

function assetLink(id, text) {
  return el('a', { href: '#/asset/' + encodeURIComponent(id), className: 'asset-link' }, show(text || id));
}

function kvTable(pairs) {
  return el('table', { className: 'kv' }, el('tbody', {}, pairs.map(([k, v]) => el('tr', {}, el('th', {}, t(k)), el('td', {}, v)))));
}

// --- login ---------------------------------------------------------------------
function renderLogin() {
  ++routeSeq;
  current = root;
  const main = root;
  try { sessionStorage.removeItem('mieruka.session'); } catch { /* private mode */ }
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('who').textContent = '';
  const err = el('p', { className: 'error', id: 'login-error' });
  const user = el('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: 'required' });
  const pass = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: 'required' });
  const form = el('form', { className: 'login', id: 'login-form' },
    el('h1', {}, t('login.title')),
    el('label', { for: 'login-user' }, t('login.user')), user,
    el('label', { for: 'login-password' }, t('login.password')), pass,
    el('button', { type: 'submit', id: 'login-submit' }, t('login.submit')), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      me = await api('login', { method: 'POST', body: { user: user.value, password: pass.value } });
      setCsrf(me.csrf);
      try { sessionStorage.setItem('mieruka.session', '1'); } catch { /* private mode */ }
      pass.value = '';
      startApp();
    } catch (e) {
      err.textContent = e instanceof ApiError && e.status === 429 ? t('login.limited') : t('login.failed');
    }
  });
  clear(main).appendChild(form);
  user.focus();
}

// --- assets ----------------------------------------------------------------------------
const assetState = { q: '', class: '', zone: '', vendor: '', approved: '', sensor: '', site: '', sort: 'name', order: 'asc', page: 1, per_page: 50 };
const kClasses = ['plc', 'io_adapter', 'io_module', 'drive', 'meter', 'field_device', 'hmi', 'engineering_workstation',
  'scada_server', 'historian', 'opcua_server', 'opcua_client', 'switch', 'router', 'protocol_gateway',
  'remote_access_gateway', 'wireless_ap', 'wireless_station', 'camera', 'printer', 'it_host', 'unknown'];

const assetDefaults = { ...assetState };

// #/assets?class=plc&approved=false (the dashboard's links): the list with
// exactly those filters; #/assets alone keeps the filters last used.
async function renderAssets(params) {
  const main = current;
  if (params) {
    Object.assign(assetState, assetDefaults);
    for (const [k, v] of params) if (k in assetState) assetState[k] = k === 'page' || k === 'per_page' ? Number(v) || 1 : v;
  }
  const results = el('div', { id: 'asset-results' });
  let timer = null;
  const refresh = () => loadAssets(results);
  const search = el('input', { id: 'asset-search', type: 'search', placeholder: t('assets.search'), value: assetState.q });
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { assetState.q = search.value; assetState.page = 1; refresh(); }, 250);
  });
  const cls = el('select', { id: 'asset-class' }, el('option', { value: '' }, t('assets.class') + ': ' + t('common.all')),
    kClasses.map((c) => el('option', { value: c }, tv('class', c))));
  cls.value = assetState.class;
  cls.addEventListener('change', () => { assetState.class = cls.value; assetState.page = 1; refresh(); });
  const zone = el('input', { id: 'asset-zone', placeholder: t('assets.zone'), value: assetState.zone, size: 10 });
  zone.addEventListener('change', () => { assetState.zone = zone.value; assetState.page = 1; refresh(); });
  const vendor = el('input', { id: 'asset-vendor', placeholder: t('assets.vendor'), value: assetState.vendor, size: 12 });
  vendor.addEventListener('change', () => { assetState.vendor = vendor.value; assetState.page = 1; refresh(); });
  const appr = el('select', { id: 'asset-approved' }, el('option', { value: '' }, t('assets.approved') + ': ' + t('common.all')),
    el('option', { value: 'true' }, t('common.yes')), el('option', { value: 'false' }, t('common.no')));
  appr.value = assetState.approved;
  appr.addEventListener('change', () => { assetState.approved = appr.value; assetState.page = 1; refresh(); });
  const pickers = await fleetPickers(assetState, (p) => { Object.assign(assetState, p, { page: 1 }); refresh(); });
  append(clear(main), [el('h1', {}, t('assets.title')), el('div', { className: 'filters' }, search, cls, zone, vendor, appr, ...pickers), results]);
  await refresh();
}

async function loadAssets(results) {
  const data = await api('assets' + query(assetState));
  const cols = [['name', 'col.name'], ['location', 'names.location'], ['owner', 'names.owner'], ['ip', 'col.ip'], ['mac', 'col.mac'], ['vendor', 'col.vendor'], ['product', 'col.product'],
    ['class', 'col.class'], ['zone', 'col.zone'], ['approved', 'col.approved'], ['findings', 'col.findings'], ['last_seen', 'col.last_seen']];
  const head = el('tr', {}, cols.map(([key, label]) => {
    const arrow = assetState.sort === key ? (assetState.order === 'asc' ? ' ▲' : ' ▼') : '';
    return el('th', { className: 'sortable', 'data-sort': key, onclick: () => {
      if (assetState.sort === key) assetState.order = assetState.order === 'asc' ? 'desc' : 'asc';
      else { assetState.sort = key; assetState.order = 'asc'; }
      loadAssets(results);
    } }, t(label) + arrow);
  }));
  const body = el('tbody');
  for (const a of data.items) {
    body.appendChild(el('tr', { className: a.findings ? 'flagged-row' : '', 'data-id': a.id },
      el('td', {}, assetLink(a.id, assetName(a))),
      el('td', {}, show(a.approved_entry && a.approved_entry.location)), el('td', {}, show(a.approved_entry && a.approved_entry.owner)),
      el('td', {}, show(a.ips)), el('td', {}, show(a.mac)), el('td', {}, show(a.vendor)), el('td', {}, show(a.product)),
      el('td', { title: a.class }, tv('class', a.class)), el('td', {}, show(a.zone)),
      el('td', {}, a.approved === null ? '–' : (a.approved ? t('common.yes') : t('common.no'))),
      el('td', { className: 'num' + (a.findings ? ' bad' : '') }, a.findings), el('td', {}, fmtTime(a.last_seen))));
  }
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  const pager = el('div', { className: 'pager' },
    el('button', { type: 'button', id: 'asset-prev', disabled: data.page <= 1 ? 'disabled' : null, onclick: () => { assetState.page--; loadAssets(results); } }, t('common.prev')),
    el('span', { id: 'asset-page' }, t('common.page') + ' ' + data.page + ' ' + t('common.of') + ' ' + pages),
    el('button', { type: 'button', id: 'asset-next', disabled: data.page >= pages ? 'disabled' : null, onclick: () => { assetState.page++; loadAssets(results); } }, t('common.next')),
    el('span', { id: 'asset-total' }, data.total + ' ' + t('assets.total')));
  // A fleet larger than the console's view: each page's devices are read from
  // the central store as it is shown; the server says what it does not make.
  const notice = data.large_fleet ? el('p', { className: 'muted', id: 'asset-large-fleet' }, t('assets.large_fleet')) : null;
  append(clear(results), [notice, el('table', { id: 'asset-table' }, el('thead', {}, head), body), pager]);
}

// --- one asset ------------------------------------------------------------------------
async function renderAsset(id) {
  const main = current;
  let d;
  try { d = await api('assets/' + encodeURIComponent(id) + '?lang=' + getLang()); } catch (e) {
    if (e instanceof ApiError && e.status === 404) { append(clear(main), [el('p', { className: 'error' }, t('asset.not_found'))]); return; }
    throw e;
  }
  const a = d.asset;
  const approveBtn = canWrite() && a.approved === false ? el('button', { type: 'button', id: 'asset-approve', onclick: async () => {
    await api('approve', { method: 'POST', body: { assets: [a.id] } });
    status(t('common.saved'));
    route();
  } }, t('asset.approve')) : null;
  append(clear(main), [
    el('h1', { id: 'asset-title' }, show(assetName(a))),
    approveBtn,
    plantLedger(a, canWrite(), () => { status(t('common.saved')); route(); }),
    el('h2', {}, t('asset.summary')),
    kvTable([['col.mac', show(a.mac)], ['col.ip', show(a.ips)], ['col.vendor', show(a.vendor)], ['col.product', show(a.product)],
      ['col.revision', show(a.revision)], ['col.serial', show(a.serial)], ['col.class', el('span', { title: a.class, id: 'asset-class' }, tv('class', a.class))],
      ['asset.class_reasons', el('ul', { id: 'asset-class-reasons' }, (d.class_reasons_text || []).map((r) => el('li', {}, show(r))))],
      ['col.zone', show(d.zones)], ['col.protocols', show(a.protocols)], ['col.approved', a.approved === null ? '–' : (a.approved ? t('common.yes') : t('common.no'))],
      ['col.first_seen', fmtTime(a.first_seen)], ['col.last_seen', fmtTime(a.last_seen)]]),
    el('h2', {}, t('asset.facts')),
    table(['col.field', 'col.value', 'col.source', 'col.first_seen', 'col.last_seen', 'col.count'], d.facts,
      (f) => el('tr', {}, el('td', { className: 'fact-name', title: f.field }, tv('fact', f.field)), el('td', { className: 'fact-value' }, show(f.value)), el('td', {}, f.source),
        el('td', {}, fmtTime(f.first_seen)), el('td', {}, fmtTime(f.last_seen)), el('td', { className: 'num' }, f.count))),
    el('h2', {}, t('asset.ips')),
    table(['col.ip', 'col.source', 'col.first_seen', 'col.last_seen'], d.ip_bindings,
      (i) => el('tr', {}, el('td', {}, i.ip), el('td', {}, i.source), el('td', {}, fmtTime(i.first_seen)), el('td', {}, fmtTime(i.last_seen)))),
    sightingsSection(d.sightings),
    el('h2', {}, t('asset.peers')),
    table(['col.peer', 'col.direction', 'col.protocol', 'col.port', 'col.packets', 'col.last_seen'], d.peers,
      (p) => el('tr', {}, el('td', {}, assetLink(p.asset, p.name)), el('td', {}, p.direction === 'to' ? '→' : '←'), el('td', {}, p.protocol),
        el('td', { className: 'num' }, p.port), el('td', { className: 'num' }, p.packets), el('td', {}, fmtTime(p.last_seen)))),
    el('h2', {}, t('asset.findings')),
    findingsTable(d.findings),
  ]);
}

// A fleet's device (several sensors' ledgers merged): what each sensor saw of it.
// Absent from one sensor's console.
function sightingsSection(list) {
  if (!list || !list.length) return null;
  return el('section', { id: 'asset-sightings' }, el('h2', {}, t('sightings.title')),
    table(['sightings.sensor', 'sightings.site', 'col.first_seen', 'col.last_seen', 'sightings.packets_sent', 'col.ip', 'sightings.vlans'], list,
      (g) => el('tr', { 'data-sensor': g.sensor }, el('td', {}, g.sensor), el('td', {}, show(g.site)), el('td', {}, fmtTime(g.first_seen)),
        el('td', {}, fmtTime(g.last_seen)), el('td', { className: 'num' }, g.packets_sent), el('td', {}, show(g.ips)), el('td', {}, show(g.vlans)))));
}

// --- findings ----------------------------------------------------------------------------
function findingsTable(list) {
  if (!list.length) return el('p', { className: 'muted' }, t('common.none'));
  const admin = canWrite();
  return table(['col.item', 'col.type', 'col.severity', 'col.asset', 'col.evidence', 'col.state', 'col.action'], list, (f) => {
    let action = '';
    if (admin && f.state === 'open') {
      const comment = el('input', { className: 'ack-comment', placeholder: t('findings.comment'), 'aria-label': t('findings.comment') });
      const btn = el('button', { type: 'button', className: 'ack-button', onclick: async () => {
        if (!comment.value.trim()) { status(t('findings.need_comment')); return; }
        await api('findings/' + encodeURIComponent(f.id) + '/ack', { method: 'POST', body: { comment: comment.value } });
        status(t('common.saved'));
        route();
      } }, t('findings.ack'));
      const approve = f.type === 'unapproved' || f.type === 'hidden' ? el('button', { type: 'button', className: 'approve-button', onclick: async () => {
        await api('approve', { method: 'POST', body: { assets: [f.asset] } });
        status(t('common.saved'));
        route();
      } }, t('findings.approve')) : null;
      action = el('div', { className: 'ack-form' }, comment, btn, approve);
    } else if (f.state !== 'open') {
      action = show(f.comment);
    }
    if (f.type === 'vulnerable') action = el('div', {}, action, el('a', { href: '#/advisories', className: 'advisory-link' }, show(f.advisory) + ' (' + t('confidence.' + f.confidence) + ')'));
    return el('tr', { 'data-finding': f.id, className: f.state === 'open' ? 'flagged-row' : '' },
      el('td', {}, f.item), el('td', {}, tv('type', f.type)), el('td', { className: f.severity === 'high' ? 'bad' : '' }, tv('severity', f.severity)),
      el('td', {}, assetLink(f.asset, nameWithAddress(f.asset_name, f.ip || f.mac || f.asset))), el('td', { className: 'finding-evidence' }, show(f.evidence_text || f.evidence)),
      el('td', { className: 'finding-state' }, t('findings.' + f.state)), el('td', {}, action));
  });
}

// #/findings?state=open&item=2-6 (the dashboard's links) opens the list with
// those filters (web/findings.js).
function renderFindings(params) {
  return renderFindingsPage(current, { isAdmin: canWrite, fleet: me.fleet, fleetPickers, status, assetLink, params });
}

// --- advisories ---------------------------------------------------------------------------
// Published advisories imported with `mieruka advisories import`, and per advisory
// the devices it affects with the confidence of the match and the remediation state.
const remediationStates = ['not_remediated', 'in_progress', 'compensated', 'remediated', 'not_affected'];

function stateForm(advisory, m) {
  const select = el('select', { className: 'state-select', 'aria-label': t('advisories.state') },
    remediationStates.map((s) => el('option', { value: s }, t('state.' + s))));
  const comment = el('input', { className: 'state-comment', placeholder: t('advisories.comment'), 'aria-label': t('advisories.comment') });
  const btn = el('button', { type: 'button', className: 'state-button', onclick: async () => {
    await api('advisories/state', { method: 'POST', body: { asset: m.asset, target: advisory, state: select.value, comment: comment.value } });
    status(t('common.saved'));
    route();
  } }, t('advisories.record'));
  return el('div', { className: 'state-form' }, select, comment, btn);
}

async function renderAdvisories() {
  const main = current;
  const list = await api('advisories');
  const affected = list.filter((a) => a.matches.length);
  const admin = canWrite();
  const parts = [el('h1', { className: 'advisories-title' }, t('advisories.title')),
    el('p', { className: 'muted' }, t('advisories.imported') + ' ' + list.length + ', ' + t('advisories.affecting') + ' ' + affected.length)];
  if (!list.length) parts.push(el('p', { className: 'muted' }, t('advisories.none')));
  if (!admin && affected.length) parts.push(el('p', { className: 'muted' }, t('advisories.admin_only')));
  for (const a of affected) {
    parts.push(el('section', { className: 'advisory', 'data-advisory': a.id },
      el('h2', {}, show(a.id) + ' ', el('span', { className: 'muted' }, show(a.title))),
      table(['col.asset', 'advisories.confidence', 'advisories.cvss', 'advisories.cves', 'findings.state', 'col.action'], a.matches, (m) =>
        el('tr', { 'data-asset': m.asset, className: m.state === 'open' ? 'flagged-row' : '' },
          el('td', {}, assetLink(m.asset, m.ip || m.mac || m.asset)),
          el('td', { className: m.confidence === 'confirmed' ? 'bad' : '' }, t('confidence.' + m.confidence)),
          el('td', { className: 'num' }, show(m.cvss)), el('td', {}, show(m.cves)),
          el('td', { className: 'finding-state' }, t('findings.' + m.state), m.comment ? ' (' + m.comment + ')' : ''),
          el('td', {}, admin ? stateForm(a.id, m) : '')))));
  }
  append(clear(main), parts);
}

// --- reports -------------------------------------------------------------------------------
async function renderReports() {
  const main = current;
  const list = await api('findings?lang=' + getLang());
  const byItem = {};
  for (const f of list) (byItem[f.item] = byItem[f.item] || []).push(f);
  // A fleet console has no snapshots (one sensor's each): its checklist is the fleet's.
  const snaps = me.fleet ? [] : await api('snapshots');
  const parts = [el('h1', {}, t('reports.title')),
    reportLinks(snaps, getLang(), me.fleet),
    el('button', { type: 'button', onclick: () => window.print() }, t('common.print')),
    el('h2', {}, t('reports.findings'))];
  for (const item of Object.keys(byItem).sort()) {
    parts.push(el('h2', {}, t('col.item') + ' ' + item));
    parts.push(table(['col.type', 'col.severity', 'col.asset', 'col.evidence', 'col.state'], byItem[item],
      (f) => el('tr', {}, el('td', {}, tv('type', f.type)), el('td', {}, tv('severity', f.severity)), el('td', {}, show(f.ip || f.mac || f.asset)), el('td', { className: 'finding-evidence' }, show(f.evidence_text || f.evidence)), el('td', {}, t('findings.' + f.state)))));
  }
  if (isAdmin()) {
    const audit = await api('audit');
    parts.push(el('h2', {}, t('reports.audit')));
    parts.push(table(['col.taken', 'col.name', 'col.action', 'col.asset', 'col.value'], audit.slice(0, 100),
      (r) => el('tr', {}, el('td', {}, fmtTime(r.at)), el('td', {}, r.user), el('td', {}, r.action), el('td', {}, r.target), el('td', {}, r.detail))));
  }
  append(clear(main), parts);
}

// --- router ---------------------------------------------------------------------------------
const routes = [
  [/^#\/?$/, () => renderOverview(current), 'nav-overview'],
  [/^#\/assets(?:\?(.*))?$/, (m) => renderAssets(m[1] === undefined ? null : new URLSearchParams(m[1])), 'nav-assets'],
  [/^#\/asset\/(.+)$/, (m) => renderAsset(decodeURIComponent(m[1])), 'nav-assets'],
  [mapRoute, (m) => renderMap(current, m[1] || 'plant', m[2] ? decodeURIComponent(m[2]) : '', m[3] ? decodeURIComponent(m[3]) : ''), 'nav-topology'],
  [/^#\/findings(?:\?(.*))?$/, (m) => renderFindings(new URLSearchParams(m[1] || '')), 'nav-findings'],
  [/^#\/advisories$/, renderAdvisories, 'nav-advisories'],
  [/^#\/changes$/, () => renderChanges(current, { table, assetLink }), 'nav-changes'],
  [/^#\/reports$/, renderReports, 'nav-reports'],
];

async function route() {
  if (!me) return;
  const hash = location.hash || '#/';
  for (const [re, fn, nav] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    const seq = ++routeSeq;
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.id === nav);
    const page = el('div', { className: 'page' });
    current = page;
    let attached = null;  // what a page runs once it is in the document (the map measures its box)
    try {
      attached = await fn(m);
    } catch (e) {
      if (seq !== routeSeq) return;
      if (e instanceof ApiError && e.status === 401) { me = null; renderLogin(); return; }
      if (e instanceof ApiError && e.status === 503 && e.retryAfter > 0) {
        // The fleet console's first view is still being read: say so, and ask again.
        append(clear(page), [el('p', { className: 'muted' }, t('common.view_building'))]);
        setTimeout(() => { if (seq === routeSeq) route(); }, e.retryAfter * 1000);
      } else {
        append(clear(page), [el('p', { className: 'error' }, t('common.error') + ': ' + e.message)]);
      }
    }
    if (seq === routeSeq) {
      clear(root).appendChild(page);
      if (typeof attached === 'function') attached();
    }
    return;
  }
  location.hash = '#/';
}

function startApp() {
  setTimeZone(me.time_zone || 'Asia/Tokyo');
  document.getElementById('nav').hidden = false;
  document.getElementById('logout').hidden = false;
  document.getElementById('who').textContent = me.user + ' (' + me.role + ')' + (me.fleet ? ' · ' + t('fleet.read_only') : '');
  route();
}

async function boot() {
  const langSel = document.getElementById('lang');
  setLang(getLang());
  langSel.value = getLang();
  translateStatic();
  langSel.addEventListener('change', () => {
    setLang(langSel.value);
    translateStatic();
    if (me) route(); else renderLogin();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('logout', { method: 'POST' }); } catch { /* already out */ }
    me = null;
    setCsrf('');
    renderLogin();
  });
  window.addEventListener('hashchange', route);
  // Ask for the session only when this browser logged in before: a stranger's
  // first visit makes no request that is refused.
  let known = false;
  try { known = sessionStorage.getItem('mieruka.session') === '1'; } catch { /* private mode */ }
  if (!known) { renderLogin(); return; }
  try {
    me = await api('me');
    setCsrf(me.csrf);
    startApp();
  } catch {
    renderLogin();
  }
}

boot();

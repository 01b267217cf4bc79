// The findings page (#/findings): triage at plant scale. Filters, sort and
// pages are the server's (GET /api/v1/findings with page/per_page), so a plant
// of 100,000 devices sends one page at a time. Evidence and type names come in
// the page's language from the API (the one catalog, inventory/policy/evidence).
// An admin selects rows and acknowledges them with one comment
// (POST /api/v1/findings/ack); each finding's history opens in a panel.
import { api, query } from './api.js';
import { append, clear, el, show } from './dom.js';
import { getLang, t, tv } from './i18n.js';

const kItems = ['2-3', '2-6', '2-7', '3-2', '3-5', '3-6', '3-7'];
const kTypes = ['unapproved', 'hidden', 'wireless', 'cross_zone', 'remote_access', 'internet', 'insecure',
  'new_writer', 'control', 'vulnerable'];
const kStates = ['open', 'acknowledged', 'in_progress', 'compensated', 'remediated', 'not_affected'];
const kDefaults = { type: '', item: '', severity: '', zone: '', state: 'open', q: '', first_from: '', first_to: '', sensor: '', site: '',
  sort: 'severity', order: 'desc', page: 1, per_page: 50 };

const kFilterKeys = ['type', 'item', 'severity', 'zone', 'state', 'q', 'first_from', 'first_to', 'sensor', 'site'];
// The filters of the last visit, kept while the console is open.
const state = { ...kDefaults };

// columns: [label key, sort key or '', class]
const kColumns = [
  ['col.severity', 'severity', 'c-sev'], ['col.type', 'type', 'c-type'], ['col.item', 'item', 'c-item'],
  ['col.asset', 'device', 'c-dev'], ['col.zone', 'zone', 'c-zone'], ['col.evidence', '', 'c-ev'],
  ['col.first_seen', 'first_seen', 'c-time'], ['col.state', 'state', 'c-state'], ['triage.history', '', 'c-hist'],
];

function select(id, values, current, label, allLabel) {
  const s = el('select', { id, 'aria-label': label },
    el('option', { value: '' }, allLabel),
    values.map(([v, text]) => el('option', { value: v }, text)));
  s.value = current;
  return s;
}

function filterBar(ctx) {
  const type = select('f-type', kTypes.map((v) => [v, tv('type', v)]), state.type, t('col.type'), t('triage.all_types'));
  const item = select('f-item', kItems.map((v) => [v, v]), state.item, t('col.item'), t('triage.all_items'));
  const sev = select('f-severity', [['high', tv('severity', 'high')], ['medium', tv('severity', 'medium')]], state.severity,
    t('col.severity'), t('triage.all_severities'));
  const st = select('f-state', kStates.map((v) => [v, t('findings.' + v)]), state.state, t('col.state'), t('triage.all_states'));
  const zone = el('input', { id: 'f-zone', value: state.zone, placeholder: t('col.zone'), 'aria-label': t('col.zone'), size: 10 });
  const q = el('input', { id: 'f-q', type: 'search', value: state.q, placeholder: t('triage.search'), 'aria-label': t('triage.search') });
  const from = el('input', { id: 'f-from', type: 'date', value: state.first_from, 'aria-label': t('triage.first_from') });
  const to = el('input', { id: 'f-to', type: 'date', value: state.first_to, 'aria-label': t('triage.first_to') });
  const apply = () => {
    Object.assign(state, { type: type.value, item: item.value, severity: sev.value, state: st.value, zone: zone.value.trim(),
      q: q.value.trim(), first_from: from.value, first_to: to.value, page: 1 });
    ctx.reload();
  };
  for (const s of [type, item, sev, st, from, to]) s.addEventListener('change', apply);
  for (const i of [zone, q]) i.addEventListener('keydown', (e) => { if (e.key === 'Enter') apply(); });
  // Reset puts the controls back too, so the next change starts from the defaults.
  const reset = el('button', { type: 'button', id: 'f-reset', onclick: () => {
    Object.assign(state, kDefaults);
    type.value = state.type; item.value = state.item; sev.value = state.severity; st.value = state.state;
    zone.value = state.zone; q.value = state.q; from.value = state.first_from; to.value = state.first_to;
    for (const id of ['fleet-sensor', 'fleet-site']) { const p = document.getElementById(id); if (p) p.value = ''; }
    ctx.reload();
  } }, t('triage.reset'));
  return el('div', { className: 'filters triage-filters' }, type, item, sev, st, zone, q,
    el('label', {}, t('triage.first_from'), ' ', from), el('label', {}, t('triage.first_to'), ' ', to),
    el('button', { type: 'button', id: 'f-apply', onclick: apply }, t('triage.apply')), reset);
}

function headerRow(ctx, pageIds, selected) {
  const all = el('input', { type: 'checkbox', id: 'f-select-page', 'aria-label': t('triage.select_page') });
  all.addEventListener('change', () => {
    for (const id of pageIds) { if (all.checked) selected.add(id); else selected.delete(id); }
    for (const box of document.querySelectorAll('#findings input.row-select')) box.checked = all.checked;
    ctx.updateBulk();
  });
  const cells = [el('th', { className: 'c-sel' }, ctx.admin ? all : '')];
  for (const [key, sort, cls] of kColumns) {
    if (!sort) { cells.push(el('th', { className: cls }, t(key))); continue; }
    const active = state.sort === sort;
    const arrow = active ? (state.order === 'desc' ? ' ▼' : ' ▲') : '';
    cells.push(el('th', { className: cls + ' sortable', 'data-sort': sort, 'aria-sort': active ? (state.order === 'desc' ? 'descending' : 'ascending') : 'none',
      onclick: () => {
        if (state.sort === sort) state.order = state.order === 'desc' ? 'asc' : 'desc';
        else { state.sort = sort; state.order = sort === 'severity' || sort === 'first_seen' ? 'desc' : 'asc'; }
        state.page = 1;
        ctx.reload();
      } }, t(key) + arrow));
  }
  return el('tr', {}, cells);
}

function evidenceCell(f) {
  const text = f.evidence_text || f.evidence;
  const short = el('span', { className: 'evidence-short' }, show(text));
  const cell = el('td', { className: 'c-ev' }, short);
  if (text && text.length > 60) {
    const toggle = el('button', { type: 'button', className: 'link-button evidence-toggle', 'aria-expanded': 'false' }, t('triage.more'));
    toggle.addEventListener('click', () => {
      const open = cell.classList.toggle('open');
      toggle.textContent = open ? t('triage.less') : t('triage.more');
      toggle.setAttribute('aria-expanded', String(open));
    });
    cell.appendChild(toggle);
  }
  return cell;
}

function row(ctx, f, selected) {
  const box = ctx.admin ? el('input', { type: 'checkbox', className: 'row-select', 'aria-label': f.id }) : '';
  if (box) {
    box.checked = selected.has(f.id);
    box.addEventListener('change', () => { if (box.checked) selected.add(f.id); else selected.delete(f.id); ctx.updateBulk(); });
  }
  const hist = el('button', { type: 'button', className: 'link-button history-button', onclick: () => ctx.history(f) }, t('triage.history'));
  return el('tr', { 'data-finding': f.id, className: f.state === 'open' ? 'flagged-row' : '' },
    el('td', { className: 'c-sel' }, box),
    el('td', { className: 'c-sev' + (f.severity === 'high' ? ' bad' : '') }, tv('severity', f.severity)),
    el('td', { className: 'c-type' }, f.type_name || tv('type', f.type),
      f.type === 'vulnerable' ? [' ', el('a', { href: '#/advisories', className: 'advisory-link' }, show(f.advisory))] : null),
    el('td', { className: 'c-item' }, f.item),
    el('td', { className: 'c-dev' }, ctx.assetLink(f.asset, f.device || f.ip || f.mac || f.asset)),
    el('td', { className: 'c-zone' }, show(f.zone)),
    evidenceCell(f),
    el('td', { className: 'c-time' }, show(f.first_seen)),
    el('td', { className: 'c-state finding-state' }, t('findings.' + f.state)),
    el('td', { className: 'c-hist' }, hist));
}

// The history panel of one finding: its evidence now, then each step.
async function historyPanel(ctx, f, panel) {
  clear(panel);
  panel.hidden = false;
  const d = await api('findings/' + encodeURIComponent(f.id) + '/history' + query({ lang: getLang() }));
  const steps = el('ol', { className: 'history-steps' }, d.history.map((h) => el('li', { 'data-event': h.event },
    el('strong', {}, t('triage.event.' + h.event)), ' ',
    el('span', { className: 'muted' }, h.at ? h.at : t('triage.when_unknown')),
    h.who ? [' · ', t('triage.by'), ' ', h.who] : null,
    h.comment ? el('div', { className: 'history-comment' }, h.comment) : null,
    h.evidence_text ? el('div', { className: 'history-evidence' }, h.evidence_text) : null)));
  const approve = ctx.admin && (f.type === 'unapproved' || f.type === 'hidden') ? el('button', { type: 'button', className: 'approve-button', onclick: async () => {
    await api('approve', { method: 'POST', body: { assets: [f.asset] } });
    ctx.status(t('common.saved'));
    ctx.reload();
  } }, t('findings.approve')) : null;
  append(panel, [
    el('div', { className: 'history-head' }, el('h2', {}, t('triage.history') + ': ' + (d.finding.type_name || f.type) + ' · ' + (f.device || f.asset)),
      el('button', { type: 'button', id: 'history-close', onclick: () => { panel.hidden = true; } }, t('triage.close'))),
    el('p', { className: 'history-now' }, d.finding.evidence_text || d.finding.evidence),
    steps, approve]);
  panel.scrollIntoView({ block: 'nearest' });
}

export async function renderFindings(main, ctx) {
  // Filters given in the address (#/findings?state=open&item=2-6, the dashboard's
  // links) replace the last visit's.
  const given = [...(ctx.params || [])].filter(([k]) => kFilterKeys.includes(k));
  if (given.length) {
    Object.assign(state, kDefaults);
    for (const [k, v] of given) state[k] = v;
  }
  const admin = ctx.isAdmin();
  const selected = new Set();
  const page = el('div', { id: 'findings' });
  const panel = el('section', { id: 'finding-history', className: 'history-panel', hidden: true });
  const bulkCount = el('span', { id: 'bulk-count' });
  const comment = el('input', { id: 'bulk-comment', placeholder: t('findings.comment'), 'aria-label': t('findings.comment') });
  const bulkButton = el('button', { type: 'button', id: 'bulk-ack' }, t('triage.bulk_ack'));
  const bulkResult = el('span', { id: 'bulk-result', className: 'muted' });
  const c = {
    ...ctx, admin,
    reload: () => load(),
    updateBulk: () => {
      bulkCount.textContent = t('triage.selected').replace('{n}', String(selected.size));
      bulkButton.disabled = selected.size === 0;
    },
    history: (f) => historyPanel(c, f, panel).catch((e) => ctx.status(e.message)),
  };
  bulkButton.addEventListener('click', async () => {
    if (!selected.size) { ctx.status(t('triage.none_selected')); return; }
    if (!comment.value.trim()) { ctx.status(t('findings.need_comment')); return; }
    const r = await api('findings/ack', { method: 'POST', body: { ids: [...selected], comment: comment.value } });
    const failed = r.results.filter((x) => !x.ok);
    bulkResult.textContent = t('triage.bulk_done').replace('{n}', String(r.acknowledged)) +
      (failed.length ? ' ' + t('triage.bulk_failed').replace('{n}', String(failed.length)) + ': ' + failed.map((x) => (x.id || '?') + ' (' + x.error + ')').join(', ') : '');
    selected.clear();
    comment.value = '';
    await load();
  });

  // Loads answer in any order (a reset, then a sort clicked before the reset's
  // answer came): only the newest load's answer is shown.
  let newest = 0;
  async function load() {
    const mine = ++newest;
    const params = { lang: getLang(), page: state.page, per_page: state.per_page, sort: state.sort, order: state.order };
    for (const k of kFilterKeys) params[k] = state[k];
    const d = await api('findings' + query(params));
    if (mine !== newest) return;
    const pages = Math.max(1, Math.ceil(d.total / d.per_page));
    const ids = d.items.map((f) => f.id);
    const body = el('tbody', {}, d.items.map((f) => row(c, f, selected)));
    const pager = el('div', { className: 'pager' },
      el('button', { type: 'button', id: 'f-prev', disabled: state.page <= 1, onclick: () => { state.page -= 1; load(); } }, t('common.prev')),
      el('span', { id: 'f-page' }, t('common.page') + ' ' + d.page + ' ' + t('common.of') + ' ' + pages),
      el('button', { type: 'button', id: 'f-next', disabled: state.page >= pages, onclick: () => { state.page += 1; load(); } }, t('common.next')));
    append(clear(page), [
      el('p', {}, el('span', { id: 'findings-total' }, t('triage.total').replace('{n}', String(d.total)))),
      d.items.length
        ? el('table', { id: 'findings-table', className: 'triage-table' }, el('thead', {}, headerRow(c, ids, selected)), body)
        : el('p', { className: 'muted' }, t('common.none')),
      pager]);
    c.updateBulk();
  }

  // A fleet console's sensor and site pickers (app.js), beside the filters.
  const pickers = ctx.fleetPickers ? await ctx.fleetPickers(state, (p) => { Object.assign(state, p, { page: 1 }); load(); }) : [];
  append(clear(main), [el('h1', {}, t('findings.title')),
    admin ? null : el('p', { className: 'muted' }, t(ctx.fleet ? 'fleet.read_only' : 'findings.admin_only')),
    filterBar(c), pickers.length ? el('div', { className: 'filters fleet-filters' }, ...pickers) : null,
    admin ? el('div', { className: 'bulk-bar' }, bulkCount, comment, bulkButton, bulkResult) : null,
    page, panel]);
  await load();
}

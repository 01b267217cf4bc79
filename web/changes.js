// The Changes page (#/changes) and the baseline picker the Reports page shares.
// A baseline is a snapshot picked by name, or a date: the newest snapshot taken
// at or before the end of that day (the server resolves it, /api/v1/diff and the
// reports' baseline=). Every device is named as the console names it (the plant's
// name from the approved list, else the name seen, product, IP, MAC), with a link
// to its page; conversations read "modbus/tcp 502".
import { api, query } from './api.js';
import { append, clear, el, show } from './dom.js';
import { t, tv } from './i18n.js';

// "2026-11-20" from a date input as the end of that day in this browser's zone,
// as ISO 8601 with the offset (the server reads times without a zone as UTC).
export function endOfDay(date) {
  const [y, m, d] = date.split('-').map(Number);
  const off = -new Date(y, m - 1, d, 23, 59, 59).getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return date + 'T23:59:59' + sign + pad(off / 60) + ':' + pad(off % 60);
}

// A snapshot select (optionally with "now") and a date input: the date, when
// set, wins. value() gives what the API takes as from/to/baseline.
export function baselinePicker(id, snaps, { withNow = false, initial = '' } = {}) {
  const select = el('select', { id: id, 'aria-label': t('baseline.snapshot') },
    withNow ? el('option', { value: 'now' }, t('changes.now')) : null,
    snaps.slice().reverse().map((s) => el('option', { value: s.name }, s.name + (s.taken ? ' (' + s.taken + ')' : ''))));
  if (initial) select.value = initial;
  const date = el('input', { id: id + '-date', type: 'date', 'aria-label': t('baseline.date'), title: t('baseline.date_help') });
  const box = el('span', { className: 'baseline-picker' }, select, ' ', t('baseline.or_date'), ' ', date);
  return {
    box, select, date,
    value: () => (date.value ? endOfDay(date.value) : select.value),
    set: (name) => { select.value = name; date.value = ''; },
  };
}

function deviceCell(labels, id, assetLink) {
  const l = labels[id] || { label: id };
  const sub = [show(l.ips), l.mac].filter((x) => x && x !== '–').join(' · ');
  return el('td', { className: 'device' }, assetLink(id, l.label), sub ? el('div', { className: 'muted small' }, sub) : null);
}

// "modbus/tcp 502", "tcp 23" (a port no dissector confirmed), "arp".
export function service(l) {
  const proto = l.protocol && l.transport && l.protocol !== l.transport ? l.protocol + '/' + l.transport : (l.protocol || l.transport || '');
  return l.port ? proto + ' ' + l.port : proto;
}

export async function renderChanges(main, { table, assetLink }) {
  const snaps = await api('snapshots');
  if (!snaps.length) { append(clear(main), [el('h1', {}, t('changes.title')), el('p', { className: 'muted' }, t('changes.no_snapshots'))]); return; }
  const from = baselinePicker('diff-from', snaps);
  const to = baselinePicker('diff-to', snaps, { withNow: true });
  const note = el('p', { id: 'diff-basis', className: 'muted' });
  const out = el('div', { id: 'diff' });
  const draw = (d) => {
    const labels = d.labels || {};
    from.set(d.from);
    if (d.default === 'last_to_now' || d.to === 'now') to.set('now'); else to.set(d.to);
    note.textContent = (d.default === 'last_two' ? t('changes.default_last_two') + ' ' : '') +
      (d.default === 'last_to_now' ? t('changes.default_only_one') + ' ' : '') +
      show(d.from_basis) + ' → ' + (d.to_basis === 'now' ? t('changes.now') : show(d.to_basis));
    const assetRows = (list) => table(['col.name', 'col.location', 'col.zone', 'col.ip', 'col.mac', 'col.vendor', 'col.class'], list, (a) => {
      const l = labels[a.id] || {};
      return el('tr', { 'data-asset': a.id }, deviceCell({ [a.id]: { label: l.label || a.id } }, a.id, assetLink),
        el('td', {}, show(l.location)), el('td', {}, show(l.zone)), el('td', {}, show(a.ips)), el('td', {}, show(a.mac)),
        el('td', {}, show(a.vendor)), el('td', {}, a.class ? tv('class', a.class) : '–'));
    });
    const linkRows = (list) => table(['col.asset', 'col.peer', 'col.protocol', 'col.packets', 'col.last_seen'], list,
      (l) => el('tr', { 'data-link': l.id }, deviceCell(labels, l.from, assetLink), deviceCell(labels, l.to, assetLink),
        el('td', { className: 'service' }, show(service(l))), el('td', { className: 'num' }, show(l.packets)), el('td', {}, show(l.last_seen))));
    append(clear(out), [
      el('h2', {}, t('changes.new_assets') + ' (' + d.new_assets.length + ')'), assetRows(d.new_assets),
      el('h2', {}, t('changes.vanished_assets') + ' (' + d.vanished_assets.length + ')'), assetRows(d.vanished_assets),
      el('h2', {}, t('changes.changed_assets') + ' (' + d.changed_assets.length + ')'),
      table(['col.asset', 'col.field', 'col.old', 'col.new'], d.changed_assets,
        (c) => el('tr', {}, deviceCell(labels, c.asset, assetLink), el('td', {}, c.field), el('td', {}, show(c.old)), el('td', {}, show(c.new)))),
      el('h2', {}, t('changes.new_links') + ' (' + d.new_links.length + ')'), linkRows(d.new_links),
      el('h2', {}, t('changes.vanished_links') + ' (' + d.vanished_links.length + ')'), linkRows(d.vanished_links),
      el('p', { className: d.capture_drops ? 'bad' : 'muted' }, t('changes.drops') + ': ' + d.capture_drops),
    ]);
  };
  const go = async () => draw(await api('diff' + query({ from: from.value(), to: to.value() })));
  append(clear(main), [el('h1', {}, t('changes.title')),
    el('div', { className: 'filters' }, el('label', {}, t('changes.from')), from.box, el('label', {}, t('changes.to')), to.box,
      el('button', { type: 'button', id: 'diff-show', onclick: go }, t('changes.show'))), note, out]);
  draw(await api('diff'));
}

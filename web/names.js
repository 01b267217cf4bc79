// The plant's own names: the name to show for a device (the server's
// display_name: the approved list's name first, then the wire's name, vendor
// and model, IP, MAC) and the "Plant ledger" block of the asset page, where an
// admin edits name, location, zone and owner; the server writes them back to
// the approved list (POST /api/v1/assets/{id}/names).
import { api, ApiError } from './api.js';
import { el, show } from './dom.js';
import { t } from './i18n.js';

// The name people know a device by.
export function assetName(a) {
  return a.display_name || a.name || a.product || (a.ips && a.ips[0]) || a.mac || a.id;
}

// A device as "name (IP)" for rows that name a device by its address.
export function nameWithAddress(name, address) {
  if (!name || name === address) return show(address);
  return address ? name + ' (' + address + ')' : name;
}

const kFields = ['name', 'location', 'zone', 'owner'];

// The asset page's block: the approved list's columns for this device, which
// row of the list holds them, and for an admin a form that edits them.
export function plantLedger(a, admin, onSaved) {
  const entry = a.approved_entry || {};
  const rows = kFields.map((f) => el('tr', {}, el('th', {}, t('names.' + f)), el('td', { id: 'plant-' + f }, show(entry[f]))));
  rows.push(el('tr', {}, el('th', {}, t('names.row')),
    el('td', { id: 'plant-row' }, a.approved_line ? t('names.line') + ' ' + a.approved_line : t('names.not_listed'))));
  const block = el('section', { id: 'plant-ledger', className: 'plant-ledger' },
    el('h2', {}, t('names.title')), el('table', { className: 'kv' }, el('tbody', {}, rows)));
  if (!admin) return block;
  const inputs = {};
  const err = el('p', { className: 'error', id: 'plant-error' });
  const form = el('form', { id: 'plant-form', className: 'plant-form', hidden: true },
    kFields.map((f) => {
      inputs[f] = el('input', { id: 'plant-input-' + f, name: f, value: entry[f] || '', maxlength: 1024 });
      return el('label', {}, t('names.' + f), inputs[f]);
    }),
    el('button', { type: 'submit', id: 'plant-save' }, t('names.save')), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const f of kFields) {
      const before = entry[f] || '';
      if (inputs[f].value.trim() !== before) body[f] = { value: inputs[f].value, expected: before };
    }
    if (!Object.keys(body).length) { form.hidden = true; return; }
    try {
      await api('assets/' + encodeURIComponent(a.id) + '/names', { method: 'POST', body });
      onSaved();
    } catch (e) {
      err.textContent = e instanceof ApiError && e.status === 409 ? t('names.conflict') + ' ' + e.message : e.message;
    }
  });
  const edit = el('button', { type: 'button', id: 'plant-edit', onclick: () => { form.hidden = !form.hidden; } }, t('names.edit'));
  block.appendChild(edit);
  block.appendChild(form);
  return block;
}

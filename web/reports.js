// The Reports page's report links: the checklist (HTML, CSV, JSON) and the
// acceptance report, each against a baseline the user picks (a snapshot, or a
// date: the newest snapshot taken at or before it). Without a pick the
// checklist counts from the newest snapshot and the acceptance report from the
// one before it, so that a machine delivered since the last review shows.
import { append, clear, el } from './dom.js';
import { t } from './i18n.js';
import { baselinePicker } from './changes.js';

// `fleet`: a fleet console, whose checklist is the fleet's report (no common
// snapshot: no baseline to pick) and which makes no acceptance report.
export function reportLinks(snaps, lang, fleet = false) {
  const link = (id, label) => el('li', {}, el('a', { id, target: '_blank', rel: 'noopener' }, label));
  if (fleet) {
    const href = (f) => '/api/v1/checklist?format=' + f + '&lang=' + lang;
    return el('div', {},
      el('h2', {}, t('reports.checklist')),
      el('p', { className: 'muted', id: 'report-fleet' }, t('reports.fleet_checklist')),
      el('ul', { id: 'report-links' },
        el('li', {}, el('a', { href: href('html'), target: '_blank', rel: 'noopener', id: 'report-checklist-html' }, t('reports.checklist_html'))),
        el('li', {}, el('a', { href: href('csv'), target: '_blank', rel: 'noopener', id: 'report-checklist-csv' }, t('reports.checklist_csv'))),
        el('li', {}, el('a', { href: href('json'), target: '_blank', rel: 'noopener', id: 'report-checklist-json' }, t('reports.checklist_json')))),
      el('h2', {}, t('reports.acceptance')), el('p', { className: 'muted' }, t('reports.fleet_acceptance')));
  }
  if (!snaps.length) {
    return el('div', {},
      el('h2', {}, t('reports.checklist')),
      el('ul', { id: 'report-links' },
        el('li', {}, el('a', { href: '/api/v1/checklist?format=html&lang=' + lang, target: '_blank', rel: 'noopener', id: 'report-checklist-html' }, t('reports.checklist_html'))),
        el('li', {}, el('a', { href: '/api/v1/checklist?format=csv&lang=' + lang, target: '_blank', rel: 'noopener' }, t('reports.checklist_csv'))),
        el('li', {}, el('a', { href: '/api/v1/checklist?format=json&lang=' + lang, target: '_blank', rel: 'noopener' }, t('reports.checklist_json')))),
      el('h2', {}, t('reports.acceptance')), el('p', { className: 'muted' }, t('changes.no_snapshots')));
  }
  const newest = snaps[snaps.length - 1].name;
  const before = snaps.length >= 2 ? snaps[snaps.length - 2].name : newest;
  const cl = baselinePicker('report-baseline', snaps, { initial: newest });
  const acc = baselinePicker('acceptance-baseline', snaps, { initial: before });
  const clLinks = el('ul', { id: 'report-links' },
    link('report-checklist-html', t('reports.checklist_html')), link('report-checklist-csv', t('reports.checklist_csv')),
    link('report-checklist-json', t('reports.checklist_json')));
  const accLinks = el('ul', {}, link('report-acceptance-html', ''));
  const update = () => {
    const b = encodeURIComponent(cl.value());
    for (const f of ['html', 'csv', 'json'])
      clLinks.querySelector('#report-checklist-' + f).href = '/api/v1/checklist?format=' + f + '&lang=' + lang + '&baseline=' + b;
    const a = accLinks.querySelector('#report-acceptance-html');
    a.href = '/api/v1/acceptance?format=html&lang=' + lang + '&baseline=' + encodeURIComponent(acc.value());
    clear(a);
    append(a, [t('reports.acceptance_since') + ' ' + (acc.date.value || acc.select.value)]);
  };
  for (const p of [cl, acc]) {
    p.select.addEventListener('change', () => { p.date.value = ''; update(); });
    p.date.addEventListener('change', update);
  }
  update();
  return el('div', {},
    el('h2', {}, t('reports.checklist')),
    el('div', { className: 'filters' }, el('label', { for: 'report-baseline' }, t('reports.baseline')), cl.box),
    el('p', { className: 'muted' }, t('reports.baseline_help')), clLinks,
    el('h2', {}, t('reports.acceptance')),
    el('div', { className: 'filters' }, el('label', { for: 'acceptance-baseline' }, t('reports.baseline')), acc.box), accLinks);
}

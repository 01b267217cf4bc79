// Times as the plant reads them: the API gives UTC ISO times; the console shows
// them in the plant's zone (GET /api/v1/me time_zone, the config's `timezone`)
// with the zone named: "2026-12-07 14:03 JST".
import { t } from './i18n.js';

let zone = 'Asia/Tokyo';
let numbers = null;  // Intl.DateTimeFormat for the digits, per zone
const names = new Map();  // "zone|offset minutes" -> the zone's short name

export function setTimeZone(z) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    zone = z;
  } catch {
    zone = 'UTC';  // a zone the browser does not know: UTC, named as such
  }
  numbers = null;
}

export function timeZone() { return zone; }

function digits() {
  if (!numbers) {
    numbers = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }
  return numbers;
}

// The zone's short name at `date`: an abbreviation when some locale has one
// (JST, CET, EDT, UTC), else its offset (GMT+5:30).
function zoneName(date, parts) {
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
  const offset = Math.round((local - Math.floor(date.getTime() / 60000) * 60000) / 60000);
  const key = zone + '|' + offset;
  let name = names.get(key);
  if (name) return name;
  for (const locale of ['en-US', 'en-GB', 'ja-JP']) {
    const p = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' }).formatToParts(date)
      .find((x) => x.type === 'timeZoneName');
    if (p && !/^(GMT|UTC)[+\-−]/.test(p.value)) { name = p.value; break; }
  }
  if (!name) {
    const sign = offset < 0 ? '-' : '+';
    const a = Math.abs(offset);
    name = 'GMT' + sign + Math.floor(a / 60) + (a % 60 ? ':' + String(a % 60).padStart(2, '0') : '');
  }
  names.set(key, name);
  return name;
}

// "2026-12-07 14:03 JST" for an ISO time; '–' for none; the text itself for
// anything that is not a time.
export function fmtTime(iso) {
  if (iso === null || iso === undefined || iso === '') return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const parts = {};
  for (const p of digits().formatToParts(date)) parts[p.type] = p.value;
  return parts.year + '-' + parts.month + '-' + parts.day + ' ' + parts.hour + ':' + parts.minute + ' ' + zoneName(date, parts);
}

// A duration in seconds as "3 d 4 h" ("3日 4時間"): the two largest units.
export function fmtDuration(seconds) {
  let s = Math.max(0, Math.floor(Number(seconds) || 0));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60);
  const u = (n, key) => n + ' ' + t(key);
  if (d) return u(d, 'time.days') + (h ? ' ' + u(h, 'time.hours') : '');
  if (h) return u(h, 'time.hours') + (m ? ' ' + u(m, 'time.minutes') : '');
  return u(m, 'time.minutes');
}

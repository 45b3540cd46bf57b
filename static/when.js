/* when.js: pure: the time picker's language, a moment typed by the reader
 * into unix seconds, in the browser's time zone and relative to a given
 * "now". Owns no state, no DOM (unit tested in tests/ui/when.test.mjs).
 *
 *   14:02, 14:02:30          today at that time; yesterday's if that is still to come
 *   yesterday 23:55          the day before today
 *   today 09:00
 *   2026-11-30 14:02[:30]    that day (also 2026-11-30T14:02)
 *   2026-11-30               that day at 00:00
 *   -15m, -2h, -1d           that long before now (also "15m ago")
 *   1796025723               unix seconds as they are
 */

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const AGO = /^-?(\d+)\s*([smhd])(?:\s+ago)?$/;
const UNITS = { s: 1, m: 60, h: 3600, d: 86400 };

/** {h, m, s} of "HH:MM[:SS]", or null. */
function clock(text) {
  const m = TIME.exec(text);
  if (!m) return null;
  const h = +m[1], mi = +m[2], s = m[3] === undefined ? 0 : +m[3];
  return h < 24 && mi < 60 && s < 60 ? { h, m: mi, s } : null;
}

/** Unix seconds of a local date (y, month 1-12, d) at a clock time, or null when the date does not exist. */
function local(y, mo, d, c) {
  const t = new Date(y, mo - 1, d, c.h, c.m, c.s);
  if (t.getFullYear() !== y || t.getMonth() !== mo - 1 || t.getDate() !== d) return null;
  return Math.floor(t.getTime() / 1000);
}

/** A day relative to `now`: 0 today, -1 yesterday; {y, mo, d}. */
function dayOf(now, offset) {
  const t = new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset, 12);
  return { y: t.getFullYear(), mo: t.getMonth() + 1, d: t.getDate() };
}

function onDay(day, c) {
  return local(day.y, day.mo, day.d, c);
}

/** A clock time alone: today's, or yesterday's when today's is later than now. */
function todayOrYesterday(c, now) {
  const t = onDay(dayOf(now, 0), c);
  return t !== null && t * 1000 <= now.getTime() ? t : onDay(dayOf(now, -1), c);
}

/**
 * The moment `text` names, as {t: unix seconds}, or {error: why}. `now` is a
 * Date (the browser's clock); days and clock times are in its time zone.
 */
export function parseMoment(text, now) {
  const s = String(text || '').trim().toLowerCase().replace(/\s+/g, ' ');
  if (!s) return { error: 'type a time, e.g. 14:02 or yesterday 23:55' };
  if (/^\d{9,11}$/.test(s)) return { t: +s };
  const ago = AGO.exec(s);
  if (ago) return { t: Math.floor(now.getTime() / 1000) - ago[1] * UNITS[ago[2]] };
  const c = clock(s);
  if (c) return { t: todayOrYesterday(c, now) };
  const words = s.replace(/^(\d{4}-\d{2}-\d{2})t/, '$1 ').split(' ');
  const rel = { today: 0, yesterday: -1 }[s.split(' ')[0]];
  if (rel !== undefined) {
    const rest = s.split(' ').slice(1).join(' ');
    const rc = rest ? clock(rest) : { h: 0, m: 0, s: 0 };
    return rc ? { t: onDay(dayOf(now, rel), rc) } : { error: 'not a time of day: ' + rest };
  }
  const dm = DATE.exec(words[0]);
  if (dm && words.length <= 2) {
    const dc = words.length === 2 ? clock(words[1]) : { h: 0, m: 0, s: 0 };
    const t = dc ? local(+dm[1], +dm[2], +dm[3], dc) : null;
    return t === null ? { error: 'no such date or time' } : { t };
  }
  return { error: 'not a time: try 14:02, 14:02:30, yesterday 23:55, 2026-11-30 14:02 or -15m' };
}

const MON = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
const NGINX = /^(\d\d)\/([A-Za-z]{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/;
const ERRLOG = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)$/;

/**
 * Unix seconds of a log time as written: nginx's $time_local
 * (30/Nov/2026:14:02:03 +0000), ISO 8601, $msec, or the error log's date
 * (2026/11/30 14:02:03, in the browser's zone); null when it is none of them.
 */
export function unixTime(v) {
  const s = String(v || '').trim();
  let m = NGINX.exec(s);
  if (m && MON[m[2].toLowerCase()] !== undefined) {
    const off = (m[7] === '-' ? -1 : 1) * (+m[8] * 60 + +m[9]);
    return Date.UTC(+m[3], MON[m[2].toLowerCase()], +m[1], +m[4], +m[5], +m[6]) / 1000 - off * 60;
  }
  if (/^\d{9,}(\.\d+)?$/.test(s)) return Math.floor(+s);
  m = ERRLOG.exec(s);
  if (m) return Math.floor(new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]).getTime() / 1000);
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(s)) {
    const t = Date.parse(s);
    return Number.isFinite(t) ? Math.floor(t / 1000) : null;
  }
  return null;
}

/** "2026-11-30 14:02:03" of unix seconds, in the browser's zone. */
export function localText(t) {
  const d = new Date(t * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/* range-picker.js: the statistics panel's range picker: a choice of live,
 * a span before now or a custom range (two boxes that take what the jump
 * box takes: 14:02, yesterday 23:55, 2026-12-02 14:00, -15m), a button
 * back to live, and a drag across a chart (charts.js onZoom) that makes
 * the span dragged the custom range. Owns these controls' DOM; the range
 * itself is view.js's, kept in the URL (url-state.js).
 */
import { onZoom } from './charts.js';
import * as range from './range.js';
import * as view from './view.js';
import { parseMoment } from './when.js';

const $ = (id) => document.getElementById(id);
const select = $('range');
const live = $('range-live');
const custom = $('range-custom');
const fromBox = $('range-from');
const toBox = $('range-to');
const error = $('range-error');
let changed = () => {};

/** Makes the controls show the view's range. */
export function sync() {
  const isCustom = range.isCustom(view.range);
  select.value = isCustom ? 'custom' : view.range;
  live.hidden = view.range === range.LIVE;
  if (isCustom) {
    const s = range.spanOf(view.range, 0);
    fromBox.value = range.shortTime(s.from);
    toBox.value = range.shortTime(s.to);
    custom.hidden = false;
  } else if (select.value !== 'custom') {
    custom.hidden = true;
  }
}

/** Sets the range (and tells the page, unless it is the one shown). */
export function set(r) {
  error.textContent = '';
  if (r === view.range) { sync(); return; }
  view.setRange(r);
  sync();
  changed();
}

/** The custom boxes' range, or its error said beside them. */
function applyCustom() {
  const now = new Date();
  const a = parseMoment(fromBox.value, now), b = parseMoment(toBox.value, now);
  const bad = a.error ? 'from: ' + a.error : b.error ? 'to: ' + b.error : a.t >= b.t ? '"from" must be before "to"' : '';
  error.textContent = bad;
  for (const [box, m] of [[fromBox, a], [toBox, b]]) box.setAttribute('aria-invalid', m.error || bad ? 'true' : 'false');
  if (!bad) set(range.customRange(a.t, b.t));
}

/** Wires the controls; `onChange()` is called when the range changes. */
export function install(onChange) {
  changed = onChange;
  select.replaceChildren(...range.CHOICES.map(([v, label]) => new Option(label, v)));
  select.addEventListener('change', () => {
    if (select.value !== 'custom') { set(select.value); return; }
    const now = Math.floor(Date.now() / 1000);
    const s = range.spanOf(view.range, now) || { from: now - 3600, to: now };
    fromBox.value = range.shortTime(s.from);
    toBox.value = range.shortTime(s.to);
    custom.hidden = false;
    fromBox.focus();
  });
  live.addEventListener('click', () => set(range.LIVE));
  $('range-apply').addEventListener('click', applyCustom);
  for (const box of [fromBox, toBox]) {
    box.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); applyCustom(); } });
  }
  onZoom((from, to) => set(range.customRange(from, to)));
  sync();
}

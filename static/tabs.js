/* tabs.js: the stream tabs ("all streams", on a fleet viewer one per stream
 * that hosts share, merged (`access · 3 hosts`), then one per stream, each
 * with a coloured dot, its live rate, and a mark when its file is not read or its
 * lines are shown as plain: labels.js tabMark). Which tabs, fleet.js tabPlan
 * says: with many hosts their own tabs fold into the merged one, and come
 * back for the one shown. Owns the tab buttons, the streams they were built
 * for and their rate slots; which tab is selected follows view.stream. A tab list
 * as ARIA has it: the selected tab is the one in the Tab order, the arrow
 * keys (and Home, End) move to the next tab and show it.
 */
import { tabPlan } from './fleet.js';
import { tabMark, tabTitle } from './labels.js';
import { span } from './rows.js';
import * as view from './view.js';

const tabs = document.getElementById('tabs');
let rates = new Map();   // view id -> the tab's rate <span>
let built = [];          // the streams the tabs were built for

function tab(frag, id, label, color, title, mark, extra) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'tab' + (color === null ? '' : ' c' + color) + (mark ? ' ' + mark.cls : '') + (extra || '');
  b.setAttribute('role', 'tab');
  b.dataset.view = id;
  b.title = title;
  if (color !== null || extra) b.appendChild(span('dot'));
  b.appendChild(span('tab-name', label));
  if (mark) b.appendChild(span('tab-mark', mark.text));
  const r = span('tab-rate', '');
  b.appendChild(r);
  frag.appendChild(b);
  return r;
}

/** Builds the tabs for these streams. */
export function renderTabs(streams) {
  built = streams;
  const byId = new Map(streams.map((st) => [st.id, st]));
  const frag = document.createDocumentFragment();
  rates = new Map();
  for (const t of tabPlan(streams.map((st) => st.id), view.stream)) {
    if (t.kind === 'all') tab(frag, view.ALL, t.label, null, 'All streams, merged', null);
    else if (t.kind === 'merged') {
      const title = t.group.name + ' of ' + t.group.hosts.length + ' hosts, merged: ' + t.group.hosts.join(', ');
      rates.set(t.id, tab(frag, t.id, t.label, null, title, null, ' merged'));
    } else {
      const st = byId.get(t.id);
      rates.set(st.id, tab(frag, st.id, st.id, st.color, tabTitle(st), tabMark(st)));
    }
  }
  tabs.replaceChildren(frag);
  syncTabs();
}

/** Marks the tab of the stream shown as selected (building the tabs again when it has none: a folded host's). */
export function syncTabs() {
  if (view.stream !== view.ALL && ![...tabs.children].some((b) => b.dataset.view === view.stream) && built.some((st) => st.id === view.stream)) {
    renderTabs(built);
    return;
  }
  for (const b of tabs.children) {
    const sel = b.dataset.view === view.stream;
    b.setAttribute('aria-selected', sel ? 'true' : 'false');
    b.tabIndex = sel ? 0 : -1;
    b.classList.toggle('active', sel);
  }
}

/** Shows a stream's rate on its tab, and what it counts over which window (`title`). */
export function setRate(id, text, title) {
  const r = rates.get(id);
  if (!r) return;
  if (r.textContent !== text) r.textContent = text;
  if (r.title !== title) r.title = title;
}

/** The tab an arrow key, Home or End moves to from tab `i` of `n`, or -1 for other keys. */
export function moveTo(key, i, n) {
  if (key === 'ArrowRight' || key === 'ArrowDown') return (i + 1) % n;
  if (key === 'ArrowLeft' || key === 'ArrowUp') return (i - 1 + n) % n;
  if (key === 'Home') return 0;
  if (key === 'End') return n - 1;
  return -1;
}

/** Calls `fn(view id)` when a tab is clicked, or moved to with the keys. */
export function onSelect(fn) {
  tabs.addEventListener('click', (ev) => {
    const b = ev.target.closest('.tab');
    if (b) fn(b.dataset.view);
  });
  tabs.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.shiftKey) return;
    const list = [...tabs.children];
    const j = moveTo(ev.key, list.indexOf(ev.target.closest('.tab')), list.length);
    if (j < 0 || !list.length) return;
    ev.preventDefault();
    ev.stopPropagation();
    fn(list[j].dataset.view);
    list[j].focus();
  });
}

/* input.js: the keyboard shortcuts (/ filter, Esc clear or cancel a search,
 * Shift+Enter search the history, Enter in the time picker jump, Space pause,
 * End follow, Home/PageUp/PageDown/arrows scroll the log, n/N the next and
 * previous search match in context, ? help), and the input-latency
 * probe: owns the last key or click seen, with the delay between the event and
 * its handler (window.logmon.lastInput, for diagnostics and the load test).
 */
import * as controls from './controls.js';
import { markUserScroll, setFollowing, setPaused } from './follow.js';
import * as help from './help.js';
import * as reading from './reading.js';
import * as search from './search.js';

const log = document.getElementById('log');
let lastInput = null;
let downLatency = 0;

/** {type: 'keydown' or 'click', key, at, latency}: the last input, when it was handled and how late. */
export function last() { return lastInput; }

function isTyping(t) {
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

function onKey(ev) {
  lastInput = { type: 'keydown', key: ev.key, at: performance.now(), latency: performance.now() - ev.timeStamp };
  // A dialog open (help, columns, a line's fields) has the keys: Esc closes it.
  if (ev.ctrlKey || ev.metaKey || ev.altKey || document.querySelector('dialog[open]')) return;
  const typing = isTyping(ev.target);
  if (ev.key === 'Escape' && search.running()) {
    search.cancel();
    ev.preventDefault();
    return;
  }
  if (ev.key === 'Escape') {
    if (controls.isJumpBox(ev.target)) { controls.blurFilter(); ev.target.blur(); return; }
    if (typing && !controls.isFilterBox(ev.target)) return;
    controls.clearFilter();
    if (typing) controls.blurFilter();
    ev.preventDefault();
    return;
  }
  if (typing) {
    if (ev.key === 'Enter' && controls.isJumpBox(ev.target)) { ev.preventDefault(); controls.jump(); return; }
    if (ev.key === 'Enter' && controls.isFilterBox(ev.target)) {
      ev.preventDefault();
      if (ev.shiftKey) controls.searchHistory();
      controls.blurFilter();
    }
    return;
  }
  shortcut(ev);
}

function shortcut(ev) {
  switch (ev.key) {
    case '/':
      ev.preventDefault();
      controls.focusFilter();
      break;
    case ' ':
    case 'Spacebar':
      ev.preventDefault();
      setPaused(!reading.paused);
      break;
    case 'End':
      ev.preventDefault();
      setFollowing(true);
      break;
    case '?':
      ev.preventDefault();
      help.open();
      break;
    case 'n':
    case 'N':
      if (search.step(ev.key === 'n' ? 1 : -1)) ev.preventDefault();
      break;
    case 'Home':
    case 'PageUp':
    case 'ArrowUp':
    case 'PageDown':
    case 'ArrowDown':
      ev.preventDefault();
      scrollLog(ev.key);
      break;
    default:
  }
}

function scrollLog(key) {
  const step = key.startsWith('Page') ? log.clientHeight * 0.9 : 40;
  markUserScroll();
  if (key === 'Home') log.scrollTop = 0;
  else if (key === 'PageUp' || key === 'ArrowUp') log.scrollTop -= step;
  else log.scrollTop += step;
}

export function install() {
  document.addEventListener('keydown', onKey);
  // Input latency (handler time minus event time): a click's is its pointerdown's when later.
  document.addEventListener('pointerdown', (ev) => { downLatency = performance.now() - ev.timeStamp; }, true);
  document.addEventListener('click', (ev) => {
    const now = performance.now();
    lastInput = { type: 'click', at: now, latency: Math.max(now - ev.timeStamp, downLatency) };
    downLatency = 0;
  }, true);
}

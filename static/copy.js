/* copy.js: copying log lines and links to them. Owns the copy, link and
 * fields buttons (every field of the line: details.js) that follow the mouse from row to row (and, on the same hover, the
 * full timestamp as the time column's tooltip, the full text as the tooltip of
 * a cell cut short), copying a selection across rows as the lines themselves,
 * one a line, and the "Copied" toast.
 */
import { fullTime } from './parse.js';
import { linkTo } from './links.js';
import { LINE } from './store.js';
import * as view from './view.js';

const log = document.getElementById('log');
const button = document.getElementById('copy');
const linkButton = document.getElementById('link');
const fieldsButton = document.getElementById('fields-btn');
const toastBox = document.getElementById('toast');
let copyRow = null;   // the row the button is in
let toastTimer = 0;

/** Takes the button out of the rows (before rows are removed, or when the mouse leaves). */
export function hideCopy() {
  for (const b of [fieldsButton, linkButton, button]) {
    b.hidden = true;
    if (b.parentNode !== document.body) document.body.appendChild(b);
  }
  copyRow = null;
}

/** hideCopy(), if the button is in a row. */
export function releaseCopy() {
  if (copyRow) hideCopy();
}

/** Wires the buttons: `showFields(entry)` shows a line's every field. */
export function install(showFields) {
  log.addEventListener('mouseover', onHover);
  fieldsButton.addEventListener('click', (ev) => {
    ev.stopPropagation();
    if (copyRow && copyRow._e) showFields(copyRow._e);
  });
  log.addEventListener('mouseleave', hideCopy);
  button.addEventListener('click', (ev) => {
    ev.stopPropagation();
    if (copyRow && copyRow._e) copyText(copyRow._e.t);
  });
  linkButton.addEventListener('click', (ev) => {
    ev.stopPropagation();
    if (!copyRow || !copyRow._e) return;
    linkTo(copyRow._e).then((url) => copyText(url, 'Link copied'), (e) => toast('No link: ' + e.message));
  });
  document.addEventListener('copy', onCopy);
}

function onHover(ev) {
  const row = ev.target.closest && ev.target.closest('.row');
  const cell = (ev.target.closest && ev.target.closest('#log .row > span')) || ev.target;
  if (cell.classList.contains('c-time') && !cell.title && row && row._e && row._e.s) {
    cell.title = fullTime(row._e.s.layout, row._e.t);
  } else if (row && cell.parentElement === row && !cell.title && cut(cell, row)) {
    cell.title = cell.textContent;
  }
  if (!row || row === copyRow || !row._e || row._e.k !== LINE) return;
  copyRow = row;
  for (const b of [fieldsButton, linkButton, button]) {
    row.appendChild(b);
    b.hidden = false;
  }
}

/** The cell's text is cut short: by its column's width, or (the last, inline one) by the row's. */
function cut(cell, row) {
  if (getComputedStyle(cell).display === 'inline') return row.scrollWidth > row.clientWidth;
  return cell.scrollWidth > cell.clientWidth;
}

function copyText(text, what) {
  const done = () => toast(what || 'Copied');
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text) && done());
  } else if (fallbackCopy(text)) {
    done();
  }
}

function fallbackCopy(text) {
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.className = 'offscreen';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  ta.remove();
  return ok;
}

const rowOf = (n) => {
  const x = n.nodeType === 1 ? n : n.parentElement;
  return x ? x.closest('#log .row') : null;
};

/** A selection across rows copies the lines as they are in the log, one a line. */
function onCopy(ev) {
  const sel = document.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
  const range = sel.getRangeAt(0);
  let a = rowOf(range.startContainer);
  let b = rowOf(range.endContainer);
  if (!a && !b) return;
  if (a === b) {
    // Within one row: plain text of the selection (columns joined by spaces).
    if (view.mode === 'raw') return;
    const whole = a && a._e && range.toString() === a.textContent.replace(/(fields)?(link)?copy$/, '');
    ev.clipboardData.setData('text/plain', whole ? a._e.t : sel.toString());
    ev.preventDefault();
    return;
  }
  if (!a) a = log.querySelector('.row');
  if (!b) b = log.lastElementChild && log.lastElementChild.lastElementChild;
  ev.clipboardData.setData('text/plain', linesBetween(a, b).join('\n') + '\n');
  ev.preventDefault();
}

/** The lines of rows a..b; gaps, events and notes as '# ' comments. */
function linesBetween(a, b) {
  const next = (r) => r.nextElementSibling
    || (r.parentElement.nextElementSibling && r.parentElement.nextElementSibling.firstElementChild);
  const out = [];
  for (let r = a; r; r = next(r)) {
    if (r._e) out.push(r._e.k === LINE ? r._e.t : '# ' + (r._e.s ? r._e.s.id + ' ' : '') + r._e.t);
    if (r === b) break;
  }
  return out;
}

function toast(text) {
  toastBox.textContent = text;
  toastBox.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastBox.hidden = true; }, 1200);
}

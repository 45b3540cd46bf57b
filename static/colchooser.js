/* colchooser.js: the column chooser (the Columns button): every column of
 * the streams in view, each shown or hidden and moved left or right, kept in
 * localStorage for the next visit. Owns the dialog and the saved
 * arrangement; the arrangement itself is columns.js's. `fn()` given to
 * install() runs after each change (the rows and their header are rebuilt).
 */
import { choices, currentArrangement, setArrangement } from './columns.js';
import { viewRecord } from './rows.js';

const KEY = 'logmon.columns';
const $ = (id) => document.getElementById(id);
const dialog = $('columns');
const list = $('columns-list');
let onChange = () => {};

function button(text, label, disabled, move, name) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn col-move';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.disabled = disabled;
  b.dataset.move = String(move);
  b.dataset.label = name;
  return b;
}

/** The list of the columns in view, in the reader's order. */
function render() {
  const rec = viewRecord();
  list.replaceChildren();
  if (!rec) {
    const li = document.createElement('li');
    li.textContent = 'The streams in view have no fields, so no columns to choose.';
    list.append(li);
    return;
  }
  const items = choices(rec);
  items.forEach((c, i) => {
    const li = document.createElement('li');
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = c.shown;
    box.dataset.label = c.label;
    label.append(box, document.createTextNode(c.label));
    li.append(label, button('←', 'Move ' + c.label + ' left', i === 0, -1, c.label),
      button('→', 'Move ' + c.label + ' right', i === items.length - 1, 1, c.label));
    list.append(li);
  });
}

/** Sets, keeps and applies an arrangement. */
function apply(a) {
  setArrangement(a);
  try { localStorage.setItem(KEY, JSON.stringify(currentArrangement())); } catch { /* storage off: this page only */ }
  render();
  onChange();
}

function move(label, by) {
  const rec = viewRecord();
  if (!rec) return;
  const order = choices(rec).map((c) => c.label);
  const i = order.indexOf(label);
  const j = i + by;
  if (i < 0 || j < 0 || j >= order.length) return;
  [order[i], order[j]] = [order[j], order[i]];
  apply({ hidden: currentArrangement().hidden, order });
  const again = list.querySelector(`button[data-move="${by}"][data-label="${CSS.escape(label)}"]`);
  if (again && !again.disabled) again.focus();
}

function toggle(label, shown) {
  const hidden = currentArrangement().hidden.filter((l) => l !== label);
  if (!shown) hidden.push(label);
  apply({ hidden, order: currentArrangement().order });
}

/** Takes the saved arrangement; `fn()` runs after each change. */
export function install(fn) {
  onChange = fn;
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { saved = null; }
  setArrangement(saved);
  $('columns-btn').addEventListener('click', () => { render(); dialog.showModal(); });
  $('columns-close').addEventListener('click', () => dialog.close());
  $('columns-reset').addEventListener('click', () => apply(null));
  list.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-move]');
    if (b) move(b.dataset.label, Number(b.dataset.move));
  });
  list.addEventListener('change', (ev) => {
    if (ev.target.dataset.label) toggle(ev.target.dataset.label, ev.target.checked);
  });
}

/* details.js: a line with every field (the fields button of a row): its
 * stream, its full time, each field by its name with its value, and the line
 * as it is, in a dialog that Esc closes. Owns the dialog. Log text only as
 * text nodes.
 */
import { fullTime } from './parse.js';
import { LINE, recordOf } from './store.js';

const dialog = document.getElementById('fields');
const table = document.getElementById('fields-table');
const raw = document.getElementById('fields-raw');

function tr(name, value) {
  const row = document.createElement('tr');
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = name;
  const td = document.createElement('td');
  td.textContent = value;
  row.append(th, td);
  return row;
}

/** Shows entry `e`'s fields. */
export function show(e) {
  if (!e || e.k !== LINE) return;
  const rows = [tr('stream', e.s ? e.s.id : '')];
  const when = e.s ? fullTime(e.s.layout, e.t) : '';
  if (when) rows.push(tr('time', when));
  const rec = recordOf(e);
  if (rec) rec.names.forEach((name, i) => rows.push(tr(name, rec.vals[i] === '' ? '(empty)' : rec.vals[i])));
  table.replaceChildren(...rows);
  raw.textContent = e.t;
  if (!dialog.open) dialog.showModal();
}

export function install() {
  document.getElementById('fields-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (ev) => { if (ev.target === dialog) dialog.close(); });
}

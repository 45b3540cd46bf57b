/* export.js: downloads. A report the page holds is saved from memory (a
 * Blob: a report is small, at most `top` items a panel); the lines of a
 * range are the server's to write (`/search?format=csv|ndjson`, range.js
 * linesQuery): the page only points a link at them, so a large export never
 * passes through the page's memory.
 */

/** Saves `text` as a file `name` of MIME type `type`. */
export function saveText(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  follow(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** Downloads what the server answers at `url` (relative to the page), under the name it gives. */
export function saveFrom(url) {
  follow(url, '');
}

function follow(href, name) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** A file name part of unix seconds: 20261202T140000Z. */
export function stamp(t) {
  return Number.isFinite(t) ? new Date(t * 1000).toISOString().replace(/[-:]|\.\d+/g, '') : 'all';
}

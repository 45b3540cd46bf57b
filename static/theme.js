/* theme.js: the colour theme, light, dark or the system's, as the reader
 * chose it (kept in localStorage). Owns that choice. The dark colours live in
 * one place, app.css's `prefers-color-scheme: dark` rule; a choice other
 * than the system's changes that rule's media (all, or none), so the
 * stylesheet stays the one home of the colours. `fn()` given to onChange runs
 * when the colours change (the charts are drawn anew in them).
 */
const KEY = 'logmon.theme';
export const THEMES = ['system', 'light', 'dark'];
const select = document.getElementById('theme');
const system = matchMedia('(prefers-color-scheme: dark)');
let onChange = () => {};
let choice = 'system';

/** The media query of the dark rule for a theme. */
export function mediaFor(theme) {
  return theme === 'dark' ? 'all' : theme === 'light' ? 'not all' : '(prefers-color-scheme: dark)';
}

let rule = null;          // app.css's dark rule, once found
/** The stylesheet's dark rule: the media rule around `:root` (or null). */
function darkRule() {
  if (rule) return rule;
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch { continue; }
    for (const r of rules) {
      if (r instanceof CSSMediaRule && r.cssRules[0] && r.cssRules[0].selectorText === ':root') { rule = r; return r; }
    }
  }
  return null;
}

/** True when the page is dark. */
export function dark() {
  return choice === 'dark' || (choice === 'system' && system.matches);
}

function apply() {
  const r = darkRule();
  if (r) r.media.mediaText = mediaFor(choice);
  document.documentElement.style.colorScheme = choice === 'system' ? '' : choice;
  document.documentElement.dataset.theme = dark() ? 'dark' : 'light';
  select.value = choice;
}

/** Sets the theme ('system', 'light' or 'dark') and remembers it. */
export function set(theme) {
  choice = THEMES.includes(theme) ? theme : 'system';
  try { localStorage.setItem(KEY, choice); } catch { /* storage off: for this page only */ }
  apply();
  onChange();
}

/** Applies the remembered theme; `fn()` runs on every later change of the colours. */
export function install(fn) {
  onChange = fn;
  let saved = null;
  try { saved = localStorage.getItem(KEY); } catch { /* storage off */ }
  choice = THEMES.includes(saved) ? saved : 'system';
  apply();
  select.addEventListener('change', () => set(select.value));
  system.addEventListener('change', () => { if (choice === 'system') { apply(); onChange(); } });
}

/* help.js: the help screen (? or the ? button): the filter language, the
 * keys and the links, in a modal <dialog> of index.html that Esc or its
 * button closes, focus going back where it was. Owns nothing but the dialog.
 */
const dialog = document.getElementById('help');
const button = document.getElementById('help-btn');

export function open() {
  if (!dialog.open) dialog.showModal();
}

export function install() {
  button.addEventListener('click', open);
  document.getElementById('help-close').addEventListener('click', () => dialog.close());
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener('click', (ev) => { if (ev.target === dialog) dialog.close(); });
}

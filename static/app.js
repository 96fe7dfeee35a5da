// "On plan" fills the update in one click; focus stays in the form for the keyboard.
document.addEventListener('click', function (event) {
  var button = event.target.closest('[data-on-plan]')
  if (!button) return
  var box = document.getElementById(button.getAttribute('data-on-plan'))
  if (!box) return
  box.value = 'On plan'
  box.dispatchEvent(new Event('input', { bubbles: true }))
  box.focus()
})

// After an htmx save, move focus to the card's message so screen readers hear it.
// With outerHTML swaps, event.detail.target is the removed old card; event.target is the new one.
document.addEventListener('htmx:afterSwap', function (event) {
  var swapped = event.target
  if (!(swapped instanceof Element)) return
  var message = swapped.matches('[data-focus-after-swap]')
    ? swapped
    : swapped.querySelector('[data-focus-after-swap]')
  if (message) message.focus()
})

// "Same as last week" copies the lead's last update of this action (status and narrative)
// into the form, to check and save; the SOP allows carrying the position forward.
document.addEventListener('click', function (event) {
  var button = event.target.closest('[data-same-as]')
  if (!button) return
  var box = document.getElementById(button.getAttribute('data-same-as'))
  var form = button.closest('form')
  if (!box || !form) return
  var name = button.getAttribute('data-status-name')
  var status = button.getAttribute('data-status')
  Array.prototype.forEach.call(form.querySelectorAll('input[type="radio"]'), function (radio) {
    if (radio.name === name && radio.value === status) radio.checked = true
  })
  box.value = button.getAttribute('data-narrative')
  box.dispatchEvent(new Event('input', { bubbles: true }))
  box.focus()
})

// "If Red: recovery plan": shown only while Red is chosen. Without JavaScript it is
// always there, and the server asks for it only when Red.
function showRecovery(root) {
  root.querySelectorAll('[data-recovery-for]').forEach(function (fieldset) {
    var form = fieldset.closest('form');
    var red = form && form.querySelector('input[name="' + fieldset.dataset.recoveryFor + '"][value="R"]');
    fieldset.hidden = !(red && red.checked);
  });
}
document.addEventListener('change', function (event) {
  if (event.target.matches && event.target.matches('input[type="radio"]')) {
    showRecovery(event.target.closest('form') || document);
  }
});
document.addEventListener('htmx:afterSwap', function () { showRecovery(document); });
document.addEventListener('DOMContentLoaded', function () { showRecovery(document); });
if (document.readyState !== 'loading') showRecovery(document);

// Small progressive enhancements; every page works without them. No page has inline script (the
// Content-Security-Policy forbids it): behaviour is attached here, by data attributes.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) {
    document.querySelectorAll("input[name=task_id]").forEach((box) => { box.checked = all.checked; });
  }
});
document.addEventListener("submit", (event) => {
  // the button pressed may ask (a bulk action), or the form itself (withdraw, revoke)
  const message = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
// One Idempotency key per form as the page shows it: a form sent twice (a double click, a retry after a network
// fault) is one request, and the second gets the first one's outcome (shared/platform/idempotency.py).
function keyForms(root) {
  root.querySelectorAll("form[method=post]").forEach((form) => {
    if (form.querySelector("input[name=idempotency_key]") || !window.crypto || !crypto.randomUUID) return;
    const key = document.createElement("input");
    key.type = "hidden";
    key.name = "idempotency_key";
    key.value = crypto.randomUUID();
    form.appendChild(key);
  });
}
document.addEventListener("DOMContentLoaded", () => keyForms(document));
document.addEventListener("htmx:afterSwap", (event) => keyForms(event.target));
// Bulk actions wait for a selection: buttons marked data-needs-selection are enabled once a row is chosen.
function syncBulk() {
  const chosen = document.querySelector("input[name=task_id]:checked") !== null;
  document.querySelectorAll("[data-needs-selection]").forEach((button) => { button.disabled = !chosen; });
}
document.addEventListener("DOMContentLoaded", syncBulk);
document.addEventListener("change", (event) => {
  if (event.target.closest("input[name=task_id], [data-select-all]")) syncBulk();
});

// Small progressive enhancements; every page works without them. No page has inline script (the
// Content-Security-Policy forbids it): behaviour is attached here, by data attributes.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) {
    document.querySelectorAll("input[name=task_id]").forEach((box) => { box.checked = all.checked; });
  }
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

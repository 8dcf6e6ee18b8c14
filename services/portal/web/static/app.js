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
// Bulk actions wait for a selection: they appear (and buttons marked data-needs-selection are enabled) once a row
// is chosen; until then a hint says how to get them. Without script they are always shown.
function syncBulk() {
  const chosen = document.querySelector("input[name=task_id]:checked") !== null;
  document.querySelectorAll("[data-needs-selection]").forEach((button) => { button.disabled = !chosen; });
  document.querySelectorAll("[data-bulk-actions]").forEach((actions) => { actions.hidden = !chosen; });
  document.querySelectorAll("[data-bulk-empty]").forEach((hint) => { hint.hidden = chosen; });
}
document.addEventListener("DOMContentLoaded", syncBulk);
document.addEventListener("change", (event) => {
  if (event.target.closest("input[name=task_id], [data-select-all]")) syncBulk();
});
// The menu on a phone: the button (hidden when there is no script, so the menu then stays open) folds and unfolds
// it; Escape folds it and gives the focus back to the button.
function foldMenu() {
  const toggle = document.querySelector(".menu-toggle");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) return;
  const narrow = window.matchMedia("(max-width: 700px)");
  const show = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("folded", !open);
  };
  toggle.hidden = false;
  show(!narrow.matches);
  narrow.addEventListener("change", () => show(!narrow.matches));
  toggle.addEventListener("click", () => show(toggle.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && narrow.matches && toggle.getAttribute("aria-expanded") === "true" && menu.contains(document.activeElement)) {
      show(false);
      toggle.focus();
    }
  });
}
// The menu's groups (<details>): one open at a time; Escape, a click elsewhere or the focus leaving closes it.
function menuGroups() {
  const groups = [...document.querySelectorAll(".menu-group details")];
  groups.forEach((group) => {
    group.addEventListener("toggle", () => {
      if (group.open) groups.forEach((other) => { if (other !== group) other.open = false; });
    });
    group.addEventListener("focusout", (event) => {
      if (!group.contains(event.relatedTarget) && event.relatedTarget) group.open = false;
    });
    group.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && group.open) {
        group.open = false;
        group.querySelector("summary").focus();
        event.stopPropagation();
      }
    });
  });
  document.addEventListener("click", (event) => {
    groups.forEach((group) => { if (group.open && !group.contains(event.target)) group.open = false; });
  });
}
// On a phone a list's rows are cards (app.css): each cell is labelled with its column's heading.
function labelCells(root) {
  root.querySelectorAll("main table").forEach((table) => {
    // a sortable heading names its column in data-label (its text also carries the ▲/▼ of the order)
    const heads = [...table.querySelectorAll(":scope > thead > tr:last-child > th")]
      .map((th) => th.dataset.label || th.textContent.trim());
    if (!heads.length) return;
    table.querySelectorAll(":scope > tbody > tr").forEach((row) => {
      let column = 0;
      [...row.children].forEach((cell) => {
        if (!cell.hasAttribute("data-label") && heads[column]) cell.setAttribute("data-label", heads[column]);
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => {
  foldMenu();
  menuGroups();
  labelCells(document);
});
document.addEventListener("htmx:afterSwap", () => labelCells(document));
// Parts marked data-fold-narrow (the queue's filters) fold on a phone, unless they show an error to fix.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(max-width: 700px)").matches) return;
  document.querySelectorAll("details[data-fold-narrow]").forEach((part) => {
    if (!part.querySelector(".field-error")) part.open = false;
  });
});

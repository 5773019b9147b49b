// The queue's keyboard: j/k move the highlighted row, Enter opens it. Works without it too.
"use strict";

(() => {
  const rows = () => Array.from(document.querySelectorAll("#queue-table tbody tr.queue-row"));
  let current = -1;

  const select = (index) => {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => {
      row.classList.toggle("selected", i === current);
      row.setAttribute("aria-selected", i === current ? "true" : "false");
    });
    all[current].scrollIntoView({ block: "nearest" });
  };

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLElement && target.closest("input, textarea, select, button, a, [contenteditable]")) return;
    if (!document.getElementById("queue-table")) return;
    if (event.key === "j") {
      event.preventDefault();
      select(current + 1);
    } else if (event.key === "k") {
      event.preventDefault();
      select(current < 0 ? 0 : current - 1);
    } else if (event.key === "Enter" && current >= 0) {
      const link = rows()[current]?.querySelector("td.number a");
      if (link instanceof HTMLAnchorElement) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    }
  });

  // A click anywhere on a row (not on its link) highlights it, so the keys continue from there.
  document.addEventListener("click", (event) => {
    const row = event.target instanceof Element ? event.target.closest("tr.queue-row") : null;
    if (row) select(rows().indexOf(row));
  });
})();

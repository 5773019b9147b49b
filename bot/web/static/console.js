// The console's little JavaScript: confirmations and keyboard shortcuts. Everything works without it.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A key pressed outside a text field clicks the element marked data-key="<key>" on the page.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
  const marked = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (marked instanceof HTMLElement) {
    event.preventDefault();
    if (marked instanceof HTMLInputElement || marked instanceof HTMLSelectElement || marked instanceof HTMLTextAreaElement) {
      marked.focus();
    } else {
      marked.click();
    }
  }
});

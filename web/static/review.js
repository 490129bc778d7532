// Review by keyboard: j/k next/previous field, Enter confirm, c correct (type, then
// Enter), n next document, Escape back to the list of fields.
"use strict";
(() => {
  const fields = [...document.querySelectorAll("li.field")];
  const boxes = [...document.querySelectorAll(".box")];
  const nextDocument = document.getElementById("next-document");
  if (!fields.length) return;
  const after = new URLSearchParams(location.search).get("after");
  let current = 0;
  const firstFlagged = fields.findIndex((f) => f.classList.contains("flagged"));
  if (after) {
    const i = fields.findIndex((f) => f.dataset.field === after);
    const next = fields.findIndex((f, j) => j > i && f.classList.contains("flagged"));
    current = next >= 0 ? next : Math.max(0, firstFlagged);
  } else if (firstFlagged >= 0) current = firstFlagged;

  function show(i) {
    current = Math.max(0, Math.min(fields.length - 1, i));
    fields.forEach((f, j) => f.classList.toggle("active", j === current));
    const name = fields[current].dataset.field;
    boxes.forEach((b) => b.classList.toggle("active", b.dataset.field === name));
    fields[current].scrollIntoView({ block: "nearest" });
    const box = boxes.find((b) => b.dataset.field === name);
    if (box) box.scrollIntoView({ block: "center" });
  }
  fields.forEach((f, j) => f.addEventListener("focusin", () => { if (j !== current) show(j); }));

  function submit(action) {
    const form = fields[current].querySelector("form");
    form.querySelector(`button[value="${action}"]`).click();
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const inInput = e.target.closest("input,select,textarea");
    if (inInput) {
      if (e.key === "Escape") { e.target.blur(); e.preventDefault(); }
      else if (e.key === "Enter" && e.target.classList.contains("value")) { e.preventDefault(); submit("correct"); }
      return;
    }
    if (e.key === "j") show(current + 1);
    else if (e.key === "k") show(current - 1);
    else if (e.key === "Enter" && !e.target.closest("button,a")) submit("confirm");
    else if (e.key === "c") {
      const input = fields[current].querySelector("input.value");
      input.focus();
      input.select();
    } else if (e.key === "n" && nextDocument) location.href = nextDocument.href;
    else return;
    e.preventDefault();
  });
  show(current);
})();

// Batches: the rows are asked for again every few seconds (a fragment, no reload) while
// some batch is still running.
"use strict";
(() => {
  const body = document.getElementById("batch-rows");
  const RUNNING = ["queued", "processing"];
  async function refresh() {
    try {
      const answer = await fetch("/app/batches", { headers: { "X-Requested-With": "fetch" } });
      if (answer.ok) body.innerHTML = await answer.text();
      else if (answer.status === 401) { location.reload(); return; }
    } catch (_) { /* network hiccup: try again next time */ }
    schedule();
  }
  function schedule() {
    const running = [...body.querySelectorAll("tr[data-status]")]
      .some((row) => RUNNING.includes(row.dataset.status));
    setTimeout(refresh, running ? 2000 : 10000);
  }
  schedule();
})();

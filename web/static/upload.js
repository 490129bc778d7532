// Upload: in "a stack" mode each file is its own request (its own batch), so each has its
// own progress bar from XHR upload progress. In "one dossier" mode all the files chosen or
// dropped together go in one request (one batch = one dossier); each file's bar then
// follows the bytes sent within its part of the request. Folders dropped are walked with
// the entries API; a chosen folder (webkitdirectory) gives its files directly.
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const list = document.getElementById("uploads");
  const drop = document.getElementById("drop");
  const code = document.getElementById("dossier-code");
  const form = document.getElementById("upload-form");
  const SCAN = /\.(pdf|tiff?|jpe?g|png)$/i;

  form.addEventListener("change", () => {
    code.disabled = form.mode.value !== "one";
  });

  function row(file) {
    const item = document.createElement("li");
    item.className = "upload";
    const name = document.createElement("span");
    name.textContent = file.webkitRelativePath || file.name;
    const bar = document.createElement("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "Đang gửi…";
    item.append(name, bar, state);
    list.append(item);
    return { item, bar, state, size: file.size || 1 };
  }

  function send(files) {
    const rows = files.map(row);
    const body = new FormData();
    const one = form.mode.value === "one";
    body.append("mode", form.mode.value);
    if (one && code.value.trim()) body.append("dossier_code", code.value.trim());
    for (const file of files) body.append("files", file, file.name);
    const total = rows.reduce((sum, r) => sum + r.size, 0);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/app/upload");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      // Each file's share of the bytes sent so far, in the order they are sent.
      let sent = (e.loaded * total) / (e.total || 1);
      for (const r of rows) {
        r.bar.value = Math.min(r.size, sent);
        sent = Math.max(0, sent - r.size);
        r.state.textContent = `${Math.round((100 * r.bar.value) / r.size)} %`;
      }
    };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      for (const r of rows) {
        if (xhr.status === 202) {
          r.bar.value = r.bar.max;
          r.state.innerHTML = "";
          const link = document.createElement("a");
          link.href = answer.url;
          link.textContent = `Đã nhận: lô #${answer.batch_id}` + (one ? " (một hồ sơ)" : "");
          r.state.append(link);
          r.item.classList.add("done");
        } else {
          r.state.textContent = `Lỗi: ${answer.error || answer.detail || xhr.status}`;
          r.state.className = "state error";
        }
      }
    };
    xhr.onerror = () => {
      for (const r of rows) { r.state.textContent = "Lỗi mạng: chưa gửi được"; r.state.className = "state error"; }
    };
    xhr.send(body);
  }

  function take(files) {
    const scans = [...files].filter((file) => SCAN.test(file.name));
    if (!scans.length) return;
    if (form.mode.value === "one") send(scans);
    else scans.forEach((file) => send([file]));
  }

  // All the files under the dropped entries, once every folder has been read.
  function walk(entry) {
    if (entry.isFile) return new Promise((resolve) => entry.file((f) => resolve([f]), () => resolve([])));
    if (!entry.isDirectory) return Promise.resolve([]);
    const reader = entry.createReader();
    const found = [];
    return new Promise((resolve) => {
      const more = () => reader.readEntries(async (entries) => {
        if (!entries.length) return resolve((await Promise.all(found)).flat());
        for (const child of entries) found.push(walk(child));
        more();
      }, () => resolve([]));
      more();
    });
  }

  document.getElementById("files").addEventListener("change", (e) => take(e.target.files));
  document.getElementById("folder").addEventListener("change", (e) => take(e.target.files));
  for (const name of ["dragenter", "dragover"]) {
    document.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  document.addEventListener("dragleave", () => drop.classList.remove("over"));
  document.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const items = [...(e.dataTransfer.items || [])];
    const entries = items.map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    const files = [...e.dataTransfer.files];  // read now: the list is emptied after the event
    if (entries.length) take((await Promise.all(entries.map(walk))).flat());
    else take(files);
  });
})();

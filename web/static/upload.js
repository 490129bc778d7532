// Upload: each file its own request, so each has its own progress bar (XHR upload
// progress); files dropped as a folder are walked with the entries API.
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

  function send(file) {
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

    const body = new FormData();
    body.append("mode", form.mode.value);
    if (form.mode.value === "one" && code.value.trim()) body.append("dossier_code", code.value.trim());
    body.append("files", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/app/upload");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
      state.textContent = `${Math.round((100 * e.loaded) / (e.total || 1))} %`;
    };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 202) {
        bar.value = bar.max;
        state.innerHTML = "";
        const link = document.createElement("a");
        link.href = answer.url;
        link.textContent = `Đã nhận: lô #${answer.batch_id}`;
        state.append(link);
        item.classList.add("done");
      } else {
        state.textContent = `Lỗi: ${answer.error || answer.detail || xhr.status}`;
        state.className = "state error";
      }
    };
    xhr.onerror = () => { state.textContent = "Lỗi mạng: chưa gửi được"; state.className = "state error"; };
    xhr.send(body);
  }

  function take(files) {
    for (const file of files) if (SCAN.test(file.name)) send(file);
  }

  function walk(entry) {
    if (entry.isFile) entry.file((file) => take([file]));
    else if (entry.isDirectory) {
      const reader = entry.createReader();
      const more = () => reader.readEntries((entries) => {
        entries.forEach(walk);
        if (entries.length) more();
      });
      more();
    }
  }

  document.getElementById("files").addEventListener("change", (e) => take(e.target.files));
  document.getElementById("folder").addEventListener("change", (e) => take(e.target.files));
  for (const name of ["dragenter", "dragover"]) {
    document.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  document.addEventListener("dragleave", () => drop.classList.remove("over"));
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const items = [...(e.dataTransfer.items || [])];
    const entries = items.map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    if (entries.length) entries.forEach(walk);
    else take(e.dataTransfer.files);
  });
})();

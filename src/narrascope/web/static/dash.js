/* narrascope dashboard: technique toggles, evidence links, the submit page.
   Served as a file (the Content-Security-Policy allows no inline script). Text from the
   server is only ever set with textContent, never parsed as HTML. */
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  /* ---- article page: show or hide one technique's highlights ---- */
  function setTechnique(code, on) {
    each("mark.tq", function (mark) {
      if (mark.getAttribute("data-technique") === code) {
        mark.classList.toggle("off", !on);
      }
    });
  }
  each("input.tq-toggle", function (box) {
    box.addEventListener("change", function () {
      setTechnique(box.getAttribute("data-technique"), box.checked);
    });
  });

  /* ---- article page: light up the quoted evidence a link points at ---- */
  function light(name) {
    each(".ev.lit", function (el) { el.classList.remove("lit"); });
    if (!name) { return; }
    each(".ev", function (el) {
      if (el.getAttribute("data-ev") === name) { el.classList.add("lit"); }
    });
  }
  function fromHash() {
    var name = decodeURIComponent((location.hash || "").slice(1));
    if (name.indexOf("ev-") === 0) { light(name); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();

  /* ---- submit page ---- */
  var tokenInput = document.getElementById("token");
  if (!tokenInput) { return; }
  try { tokenInput.value = sessionStorage.getItem("narrascope-token") || ""; } catch (e) { /* private mode */ }
  tokenInput.addEventListener("change", function () {
    try { sessionStorage.setItem("narrascope-token", tokenInput.value); } catch (e) { /* ignore */ }
  });
  var jobs = document.getElementById("jobs");

  function line(text, cls) {
    var li = document.createElement("li");
    if (cls) { li.className = cls; }
    li.textContent = text;
    jobs.insertBefore(li, jobs.firstChild);
    return li;
  }

  function showJob(li, job) {
    li.textContent = "";
    var head = document.createElement("div");
    var p = job.progress || {};
    var done = p.total ? " " + p.done + "/" + p.total : "";
    head.textContent = "job " + job.id.slice(0, 8) + ": " + job.state +
      (p.phase && job.state === "running" ? " (" + p.phase + done + ")" : "");
    li.className = "job job-" + job.state;
    li.setAttribute("data-state", job.state);
    li.appendChild(head);
    if (job.error) {
      var err = document.createElement("div");
      err.className = "small";
      err.textContent = job.error;
      li.appendChild(err);
    }
    (job.rejected || []).forEach(function (r) {
      var rej = document.createElement("div");
      rej.className = "small";
      rej.textContent = "rejected " + r[0] + ": " + r[1];
      li.appendChild(rej);
    });
    if (job.state === "done") {
      (job.articles || []).forEach(function (id) {
        var a = document.createElement("a");
        a.href = "/articles/" + encodeURIComponent(id);
        a.className = "job-article";
        a.textContent = "article " + id.slice(0, 12);
        li.appendChild(a);
        li.appendChild(document.createTextNode(" "));
      });
    }
  }

  function poll(li, id) {
    fetch("/api/jobs/" + encodeURIComponent(id), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (!job.state) { li.textContent = "job " + id.slice(0, 8) + ": " + (job.error || "unknown"); return; }
        showJob(li, job);
        if (job.state !== "done" && job.state !== "failed") {
          setTimeout(function () { poll(li, id); }, 700);
        }
      })
      .catch(function (e) { li.textContent = "job " + id.slice(0, 8) + ": " + e; });
  }

  function send(body, contentType) {
    var headers = { "Authorization": "Bearer " + tokenInput.value, "Accept": "application/json" };
    if (contentType) { headers["Content-Type"] = contentType; }
    var li = line("sending…", "job");
    fetch("/api/articles", { method: "POST", headers: headers, body: body })
      .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
      .then(function (res) {
        if (res[0] !== 202) { li.className = "job job-failed"; li.textContent = "refused (" + res[0] + "): " + (res[1].error || ""); return; }
        poll(li, res[1].job);
      })
      .catch(function (e) { li.className = "job job-failed"; li.textContent = "failed: " + e; });
  }

  var textForm = document.getElementById("text-form");
  textForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = {};
    ["text", "title", "outlet", "url", "published"].forEach(function (name) {
      var value = textForm.elements[name].value;
      if (value) { body[name] = value; }
    });
    send(JSON.stringify(body), "application/json");
  });
  var fileForm = document.getElementById("file-form");
  fileForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    send(new FormData(fileForm), null);
  });
  var urlForm = document.getElementById("url-form");
  urlForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var urls = urlForm.elements.urls.value.split(/\s+/).filter(function (u) { return u; });
    send(JSON.stringify({ urls: urls }), "application/json");
  });
})();

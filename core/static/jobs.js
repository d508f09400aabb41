// Live job progress: polls each [data-job-progress] element's status URL until the job ends.
// Plain JS, loaded as a file (the Content-Security-Policy forbids inline scripts).
(function () {
  "use strict";
  var POLL_MS = 2000;
  var TAGS = {
    queued: "nhsuk-tag--grey", running: "nhsuk-tag--blue", succeeded: "nhsuk-tag--green",
    failed: "nhsuk-tag--red", cancelled: "nhsuk-tag--orange"
  };

  function update(el, data) {
    var bar = el.querySelector("[data-job-bar]");
    var percent = el.querySelector("[data-job-percent]");
    var status = el.querySelector("[data-job-status]");
    var message = el.querySelector("[data-job-message]");
    if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
    if (percent) { percent.textContent = data.progress + "%"; }
    if (status) {
      status.className = "nhsuk-tag " + (TAGS[data.status] || "");
      status.textContent = data.status.charAt(0).toUpperCase() + data.status.slice(1);
    }
    if (message) { message.textContent = data.error || data.message || ""; }
    var download = document.querySelector("[data-job-download]");
    if (download && data.has_download) { download.hidden = false; }
  }

  function poll(el) {
    var url = el.getAttribute("data-status-url");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        update(el, data);
        if (data.finished) { el.setAttribute("data-finished", "true"); }
        else { window.setTimeout(function () { poll(el); }, POLL_MS); }
      })
      .catch(function () { window.setTimeout(function () { poll(el); }, POLL_MS * 5); });
  }

  document.querySelectorAll("[data-job-progress]").forEach(function (el) {
    if (el.getAttribute("data-finished") !== "true") {
      window.setTimeout(function () { poll(el); }, POLL_MS);
    }
  });
})();

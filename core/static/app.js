// Small progressive enhancements. Everything works without JavaScript.

// The NHS.UK frontend's components (error summary focus, header menu, skip link, buttons)
// do nothing until initialised: nhsuk-frontend 10 is an ES module that exports initAll.
import { initAll } from "./vendor/nhsuk/nhsuk-frontend.min.js";

initAll();

// Session timeout warning: two minutes before the idle limit, offer to stay signed in.
const dialog = document.getElementById("session-timeout");
if (dialog && typeof dialog.showModal === "function") {
  const timeout = Number(dialog.dataset.timeoutSeconds) * 1000;
  const warn = Number(dialog.dataset.warnSeconds) * 1000;
  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  let warnTimer, endTimer;
  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(() => dialog.showModal(), Math.max(timeout - warn, 0));
    endTimer = setTimeout(() => {
      window.location.href = dialog.dataset.signInUrl + "?timeout=1";
    }, timeout);
  };
  dialog.querySelector("[data-keep-alive]").addEventListener("click", async () => {
    await fetch(dialog.dataset.keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
    });
    dialog.close();
    schedule();
  });
  schedule();
}

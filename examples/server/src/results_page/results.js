// electie results page: live updates over server-sent events, drill-down without a
// reload. Everything also works without this script (server-rendered links).
(function () {
  "use strict";
  var app = document.getElementById("app");
  var source = null;
  var retryTimer = null;
  var loading = null;
  var again = false;

  function live(kind) {
    var status = document.getElementById("live");
    if (!status) return;
    var stamp = new Date().toLocaleTimeString(document.documentElement.lang || "sk");
    if (kind === "ok") {
      status.className = "ok";
      status.textContent = status.dataset.live + " · " + status.dataset.updated + " " + stamp;
    } else if (kind === "down") {
      status.className = "down";
      status.textContent = status.dataset.reconnecting;
    } else {
      status.className = "";
      status.textContent = status.dataset.connecting;
    }
  }

  // Fetches the current view's fragment and swaps it in, keeping focus where it was.
  function refresh(focusHeading) {
    if (loading) { again = true; return loading; }
    var url = "/results/fragment" + location.search;
    loading = fetch(url, { cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text().then(function (text) { return [response.status, text]; }); })
      .then(function (answer) {
        var focusedId = document.activeElement && document.activeElement.id;
        var focusedHref = document.activeElement && document.activeElement.getAttribute && document.activeElement.getAttribute("href");
        app.innerHTML = answer[1];
        var lang = app.querySelector("#lang-switch");
        if (lang) document.documentElement.lang = lang.getAttribute("hreflang") === "en" ? "sk" : "en";
        if (focusHeading) {
          var main = document.getElementById("content");
          if (main) main.focus();
        } else if (focusedId && document.getElementById(focusedId)) {
          document.getElementById(focusedId).focus();
        } else if (focusedHref) {
          var same = app.querySelector('a[href="' + focusedHref.replace(/"/g, '\\"') + '"]');
          if (same) same.focus();
        }
        var area = document.getElementById("area");
        if (area) document.title = document.title.split(" — ")[0] + " — " + area.textContent;
        document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
        if (source && source.readyState === 1) live("ok");
      })
      .catch(function () { /* the next event or reconnect tries again */ })
      .then(function () {
        loading = null;
        if (again) { again = false; refresh(false); }
      });
    return loading;
  }

  function connect() {
    if (!window.EventSource) return;
    if (source) source.close();
    live("connecting");
    source = new EventSource("/results/events");
    source.addEventListener("results", function () { live("ok"); refresh(false); });
    source.onopen = function () { live("ok"); };
    source.onerror = function () {
      live("down");
      // the browser retries by itself while the stream is CONNECTING; once it gives
      // up (CLOSED, e.g. after an HTTP error) start again after a pause
      if (source.readyState === 2 && !retryTimer) {
        retryTimer = setTimeout(function () { retryTimer = null; connect(); }, 2000);
      }
    };
  }

  // Drill-down and the language switch: same-page links swap the fragment.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-nav], #lang-switch");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    history.pushState(null, "", link.getAttribute("href"));
    refresh(true);
  });
  window.addEventListener("popstate", function () { refresh(true); });

  connect();
})();

// Live preview: each change is saved (the issue is a draft), then both
// previews reload. Without JavaScript, "Enregistrer" does the same.
(function () {
  "use strict";
  var form = document.getElementById("issue-form");
  if (!form || form.hasAttribute("inert")) return;
  var status = document.getElementById("autosave");
  var timer = null;

  function reload(id) {
    var frame = document.getElementById(id);
    frame.src = frame.src.split("?")[0] + "?t=" + Date.now();
  }

  function save() {
    var body = new URLSearchParams(new FormData(form));
    status.textContent = "Enregistrement…";
    fetch(form.action || window.location.pathname, {
      method: "POST",
      body: body,
      headers: {"X-Requested-With": "fetch", "X-CSRF-Token": form.elements.csrf_token.value},
      credentials: "same-origin"
    }).then(function (response) {
      status.textContent = response.ok ? "Enregistré" : "Non enregistré (" + response.status + ")";
      if (response.ok) { reload("preview-html"); reload("preview-text"); }
    }).catch(function () { status.textContent = "Non enregistré (réseau)"; });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 100);
  });
})();

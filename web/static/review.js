// The review queue at the speed of reading: one key per decision.
// Every action is the page's own form, sent with fetch and answered in JSON;
// without this script the same forms post and come back to the queue.
(() => {
  "use strict";
  const root = document.querySelector(".review");
  if (!root) return;
  const csrf = root.dataset.csrf;
  const announcer = document.getElementById("announce");
  const STATUS = { new: "À revoir", accepted: "Accepté", rejected: "Rejeté" };
  const DONE = { accept: "Accepté", reject: "Rejeté", feature: "À la une", unfeature: "Retiré de la une" };
  let current = 0;

  const entries = () => Array.from(document.querySelectorAll(".queue .entry"));
  const say = (message, failed) => {
    announcer.textContent = message;
    announcer.classList.toggle("failed", !!failed);
  };

  function focusEntry(index) {
    const list = entries();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((e, i) => e.classList.toggle("current", i === current));
    list[current].focus({ preventScroll: true });
    list[current].scrollIntoView({ block: "nearest" });
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json",
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(data),
    });
    const answer = await response.json().catch(() => ({ detail: `Erreur ${response.status}` }));
    if (!response.ok) throw new Error(answer.detail || `Erreur ${response.status}`);
    return answer;
  }

  function show(entry, state) {
    entry.dataset.status = state.status;
    entry.dataset.featured = state.featured ? "1" : "0";
    entry.classList.remove("status-new", "status-accepted", "status-rejected");
    entry.classList.add(`status-${state.status}`);
    entry.classList.toggle("featured", !!state.featured);
    entry.querySelector(".badge.status").textContent = STATUS[state.status] || state.status;
    const star = entry.querySelector("button.feature");
    if (star) {
      star.value = state.featured ? "unfeature" : "feature";
      star.firstChild.textContent = state.featured ? "Retirer de la une " : "À la une ";
    }
  }

  async function decide(action, entry = entries()[current]) {
    if (!entry) return;
    if (action === "feature" && entry.dataset.featured === "1") action = "unfeature";
    try {
      show(entry, await post(`/equipe/articles/${entry.dataset.id}/decision`, { action }));
      say(`${DONE[action]} : ${entry.querySelector("h2 a").textContent}`);
      if (action !== "unfeature") focusEntry(entries().indexOf(entry) + 1);
    } catch (error) {
      say(error.message, true);
    }
  }

  async function undo() {
    try {
      const state = await post("/equipe/annuler", {});
      const entry = document.getElementById(`item-${state.id}`);
      if (entry && state.status) {
        show(entry, state);
        focusEntry(entries().indexOf(entry));
      }
      say(`Annulé (${state.undone}).`);
    } catch (error) {
      say(error.message, true);
    }
  }

  async function saveTags(form) {
    const entry = form.closest(".entry");
    try {
      await post(form.action, new FormData(form));
      const chosen = (name) => Array.from(form.querySelectorAll(`[name=${name}]`))
        .filter((f) => (f.type === "checkbox" ? f.checked : true))
        .map((f) => (f.tagName === "SELECT" ? f.selectedOptions[0].textContent : f.parentElement.textContent.trim()))
        .filter((t) => t && !t.startsWith("—"));
      entry.querySelector(".now-purpose").textContent = chosen("purpose").join(", ") || "—";
      entry.querySelector(".now-themes").textContent = chosen("themes").join(", ") || "—";
      entry.querySelector(".now-kind").textContent = chosen("kind").join(", ") + " · corrigé par vous";
      form.closest("details").open = false;
      say("Étiquettes enregistrées.");
      focusEntry(entries().indexOf(entry));
    } catch (error) {
      say(error.message, true);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.classList.contains("actions")) {
      event.preventDefault();
      const button = event.submitter;
      if (button) decide(button.value, form.closest(".entry"));
    } else if (form.classList.contains("tags-form")) {
      event.preventDefault();
      saveTags(form);
    } else if (form.classList.contains("undo")) {
      event.preventDefault();
      undo();
    }
  });

  const selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      document.querySelectorAll('.entry input[name="ids"]').forEach((box) => { box.checked = selectAll.checked; });
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const inForm = event.target.closest("input, select, textarea, button, summary, details[open] form");
    if (inForm) {
      if (event.key === "Escape") {
        const details = event.target.closest("details");
        if (details) details.open = false;
        focusEntry(current);
      }
      return;
    }
    const entry = entries()[current];
    const editable = root.dataset.canEdit !== "0";
    switch (event.key) {
      case "j": case "ArrowDown": focusEntry(current + 1); break;
      case "k": case "ArrowUp": focusEntry(current - 1); break;
      case "a": if (editable) decide("accept"); break;
      case "r": if (editable) decide("reject"); break;
      case "f": if (editable) decide("feature"); break;
      case "u": if (editable) undo(); break;
      case "t": {
        const details = entry && entry.querySelector("details.fix");
        if (!details) return;
        details.open = true;
        details.querySelector("select").focus();
        break;
      }
      case "x": {
        const box = entry && entry.querySelector('input[name="ids"]');
        if (box) box.checked = !box.checked;
        break;
      }
      case "o": {
        const link = entry && entry.querySelector("a.original");
        if (link) window.open(link.href, "_blank", "noopener");
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    const entry = event.target.closest(".entry");
    if (entry) {
      const index = entries().indexOf(entry);
      if (index !== current) {
        current = index;
        entries().forEach((e, i) => e.classList.toggle("current", i === current));
      }
    }
  });

  focusEntry(0);
})();

// optout-bot's local page: live progress (server-sent events) and the hand-over desk.
// Vendored, no build step, no dependency. Everything else works without script.
"use strict";

(function () {
  const board = document.getElementById("board");
  if (!board) return;
  const id = board.dataset.board;
  const csrf = board.dataset.csrf;
  const words = JSON.parse(document.getElementById("words").dataset.json);
  const status = document.getElementById("status");
  const desk = document.getElementById("hand-over");
  const screen = document.getElementById("screen");
  const practice = desk.querySelector(".practice");
  let size = { width: 1, height: 1 };

  function row(platform, account) {
    for (const tr of board.querySelectorAll("tr[data-who]")) {
      if (tr.dataset.who === platform + "/" + account) return tr;
    }
    return null;
  }

  function send(fields) {
    const body = new URLSearchParams(fields);
    return fetch("/board/" + id + "/input", {
      method: "POST",
      headers: { "X-CSRF-Token": csrf },
      body: body,
      credentials: "same-origin",
    });
  }

  function show(event) {
    const tr = event.platform ? row(event.platform, event.account) : null;
    if (event.event === "step" && tr) {
      tr.querySelector(".step").textContent = event.step;
    } else if (event.event === "result" && tr) {
      const outcome = tr.querySelector(".outcome");
      outcome.dataset.outcome = event.outcome;
      outcome.textContent = (words["outcome." + event.outcome] || event.outcome) + " ";
      const code = document.createElement("code");
      code.textContent = event.outcome;
      outcome.appendChild(code);
      const proof = tr.querySelector(".proof");
      proof.dataset.proof = event.proof;
      proof.textContent = event.proof ? (words["proof." + event.proof] || event.proof) : "";
      tr.querySelector(".detail").textContent = event.detail;
    } else if (event.event === "hand_over") {
      desk.hidden = false;
      desk.querySelector(".what").textContent = event.who + ": " + event.what;
      document.getElementById("hand-over-title").focus();
    } else if (event.event === "screen") {
      size = { width: event.width, height: event.height };
      screen.src = "/board/" + id + "/screen.png?n=" + event.n;
      screen.dataset.n = event.n;
      const list = document.getElementById("controls");
      list.replaceChildren();
      for (const control of event.controls || []) {
        if (!control.name) continue;
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = control.name;
        button.addEventListener("click", () =>
          send({ kind: "click", x: control.x.toFixed(1), y: control.y.toFixed(1) }));
        item.appendChild(button);
        list.appendChild(item);
      }
    } else if (event.event === "hand_over_done") {
      desk.hidden = true;
      status.textContent = words.done;
    } else if (event.event === "failed") {
      status.textContent = event.detail;
    } else if (event.event === "finished") {
      status.textContent = words.finished;
      document.getElementById("finished-links").hidden = false;
    }
    if (event.practice_password) {
      practice.hidden = false;
      practice.textContent = practice.dataset.password.replace("{password}", event.practice_password);
    }
    if (event.practice_code) {
      practice.hidden = false;
      practice.textContent = practice.dataset.template.replace("{code}", event.practice_code);
    }
  }

  const events = new EventSource("/board/" + id + "/events");
  events.onmessage = (message) => show(JSON.parse(message.data));
  events.addEventListener("end", () => events.close());

  screen.addEventListener("click", (click) => {
    const box = screen.getBoundingClientRect();
    const x = ((click.clientX - box.left) / box.width) * size.width;
    const y = ((click.clientY - box.top) / box.height) * size.height;
    send({ kind: "click", x: x.toFixed(1), y: y.toFixed(1) });
  });
  document.getElementById("typing").addEventListener("submit", (submit) => {
    submit.preventDefault();
    const typed = document.getElementById("typed");
    send({ kind: "type", text: typed.value });
    typed.value = "";
  });
  for (const button of desk.querySelectorAll("button[data-key]")) {
    button.addEventListener("click", () => send({ kind: "press", text: button.dataset.key }));
  }
})();

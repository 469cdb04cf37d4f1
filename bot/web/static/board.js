// The live board: one EventSource on /events/<token>, drawn from each full snapshot.
// EventSource reconnects by itself; the server sends the whole snapshot on every connect.
"use strict";
(function () {
  const L = JSON.parse(document.getElementById("labels").textContent);
  const token = location.pathname.split("/")[2];
  const $ = (id) => document.getElementById(id);
  let offset = 0; // server clock minus this machine's clock, in ms
  let deadline = null;
  let lastScores = new Map();
  const board = (window.pufaBoard = { version: null, updates: [], snapshot: null });

  function setClock(serverNow) {
    const t = Date.parse(serverNow);
    if (!Number.isNaN(t)) offset = t - Date.now();
  }

  function text(el, value) {
    el.textContent = value == null ? "" : String(value);
  }

  function drawQuestion(q) {
    const options = $("options");
    options.replaceChildren();
    if (!q) {
      text($("question"), board.snapshot && board.snapshot.finished ? "" : L.waiting);
      return;
    }
    text($("question"), q.text);
    for (const o of q.options || []) {
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.className = "label";
      text(label, o.label);
      li.append(label, document.createTextNode(o.text));
      if (q.revealed && answerHas(q.answer, o.label)) li.classList.add("right");
      options.append(li);
    }
    if (q.revealed && (!q.options || q.options.length === 0) && q.answer != null) {
      const li = document.createElement("li");
      li.className = "right";
      text(li, L.answer + "：" + formatAnswer(q.answer));
      options.append(li);
    }
  }

  function answerHas(answer, label) {
    if (Array.isArray(answer)) return answer.map(String).includes(String(label));
    return String(answer) === String(label);
  }

  function formatAnswer(answer) {
    return Array.isArray(answer) ? answer.join("、") : String(answer);
  }

  function drawTeams(teams) {
    const body = $("teams").tBodies[0];
    const rows = [];
    const scores = new Map();
    for (const team of teams || []) {
      const tr = document.createElement("tr");
      tr.dataset.team = team.code;
      const cells = ["rank", "name", "score", "delta"].map((cls) => {
        const td = document.createElement("td");
        td.className = cls;
        tr.append(td);
        return td;
      });
      text(cells[0], team.rank);
      text(cells[1], team.name);
      text(cells[2], team.score);
      const d = team.last_delta;
      if (d) {
        text(cells[3], (d > 0 ? "+" : "") + d);
        cells[3].classList.add(d > 0 ? "up" : "down");
      }
      const before = lastScores.get(team.code);
      if (before !== undefined && before !== team.score) tr.classList.add("changed");
      scores.set(team.code, team.score);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    lastScores = scores;
  }

  function drawPodium(s) {
    const box = $("podium");
    if (!s.finished || !s.podium || s.podium.length === 0) {
      box.hidden = true;
      return;
    }
    text(box.querySelector("h2"), L.podium);
    // medals drawn in CSS: a projector PC may have no emoji font
    const list = box.querySelector("ol");
    list.replaceChildren(
      ...s.podium.map((p, i) => {
        const li = document.createElement("li");
        const rank = p.rank || i + 1;
        const medal = document.createElement("b");
        medal.className = "medal m" + rank;
        text(medal, rank);
        li.append(medal, document.createTextNode(p.name || p.code || ""));
        const score = document.createElement("span");
        text(score, p.score);
        li.append(score);
        return li;
      })
    );
    box.hidden = false;
  }

  function draw(s) {
    board.snapshot = s;
    if (s.event) text($("event"), s.event);
    text($("round"), s.round ? s.round.name : "");
    text($("phase"), L["phase_" + s.phase] || "");
    $("phase").className = "phase " + (s.phase || "");
    drawQuestion(s.question);
    const buzz = $("buzz");
    if (s.buzz && s.buzz.team) {
      const team = (s.teams || []).find((t) => t.code === s.buzz.team);
      text(buzz, L.buzz.replace("{team}", team ? team.name : s.buzz.team));
      buzz.hidden = false;
    } else {
      buzz.hidden = true;
    }
    deadline = s.deadline ? Date.parse(s.deadline) : null;
    tickCountdown();
    drawTeams(s.teams);
    drawPodium(s);
  }

  function tickCountdown() {
    const el = $("countdown");
    if (deadline === null || Number.isNaN(deadline)) {
      el.hidden = true;
      return;
    }
    const left = Math.max(0, Math.ceil((deadline - (Date.now() + offset)) / 1000));
    text(el, left);
    el.classList.toggle("late", left <= 5);
    el.hidden = false;
  }

  function status(up) {
    const el = $("status");
    text(el, up ? L.live : L.reconnecting);
    el.classList.toggle("down", !up);
  }

  const source = new EventSource("/events/" + token);
  source.addEventListener("snapshot", (e) => {
    const msg = JSON.parse(e.data);
    setClock(msg.now);
    board.version = Number(e.lastEventId);
    board.updates.push({ version: board.version, at: Date.now() });
    draw(msg.snapshot);
    status(true);
    document.dispatchEvent(new CustomEvent("pufa:snapshot", { detail: msg.snapshot }));
  });
  source.addEventListener("tick", (e) => {
    setClock(JSON.parse(e.data).now);
    status(true);
  });
  source.addEventListener("open", () => status(true));
  source.addEventListener("error", () => status(false));
  setInterval(tickCountdown, 200);
})();

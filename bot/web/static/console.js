// The console's buttons: each press is POSTed as JSON to /console/<token>/command (same
// origin only); the replies of the conversation layer are listed under the buttons.
"use strict";
(function () {
  const L = JSON.parse(document.getElementById("labels").textContent);
  const token = location.pathname.split("/")[2];
  const $ = (id) => document.getElementById(id);
  // host and judge links have the same controls (judges: the quiz master's, plus ✓ / ✗)
  const BUTTONS = [
    ["next", L.next, ""],
    ["reveal", L.reveal, ""],
    ["open", L.open, ""],
    ["round", L.round, ""],
    ["judge_ok", L.judge_ok, "ok"],
    ["judge_wrong", L.judge_wrong, "wrong"],
    ["undo", L.undo, ""],
    ["board", L.board, ""],
  ];

  function log(lines, error) {
    const li = document.createElement("li");
    if (error) li.className = "error";
    li.textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false }) + "  " + lines.join("\n");
    $("results").prepend(li);
  }

  async function send(press, control) {
    control.disabled = true;
    try {
      const response = await fetch("/console/" + token + "/command", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(press),
        credentials: "omit",
      });
      let body = {};
      try {
        body = await response.json();
      } catch (e) {
        body = { ok: false, error: L.failed };
      }
      if (body.ok) {
        log(body.replies && body.replies.length ? body.replies : [L.no_reply], false);
      } else {
        log([body.error || L.failed], true);
      }
      return body.ok;
    } catch (e) {
      log([L.failed], true);
      return false;
    } finally {
      control.disabled = false;
    }
  }

  const box = $("buttons");
  for (const [command, label, cls] of BUTTONS) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.command = command;
    b.textContent = label;
    if (cls) b.className = cls;
    b.addEventListener("click", () => send({ command }, b));
    box.append(b);
  }

  $("adjust-delta").placeholder = L.delta;
  $("adjust-reason").placeholder = L.reason;
  $("adjust-submit").textContent = L.adjust;
  $("result-title").textContent = L.result;
  $("adjust").addEventListener("submit", async (e) => {
    e.preventDefault();
    const press = {
      command: "adjust",
      team: $("adjust-team").value,
      delta: $("adjust-delta").value.trim(),
      reason: $("adjust-reason").value,
    };
    if (await send(press, $("adjust-submit"))) {
      $("adjust-delta").value = "";
      $("adjust-reason").value = "";
    }
  });

  $("tier-points").placeholder = L.tier_points;
  $("tier-submit").textContent = L.tier;
  $("tier").addEventListener("submit", async (e) => {
    e.preventDefault();
    const press = { command: "tier", points: $("tier-points").value.trim() };
    if (await send(press, $("tier-submit"))) $("tier-points").value = "";
  });

  // the team list follows the live snapshot
  document.addEventListener("pufa:snapshot", (e) => {
    const select = $("adjust-team");
    const chosen = select.value;
    const teams = e.detail.teams || [];
    select.replaceChildren(
      ...teams.map((t) => {
        const o = document.createElement("option");
        o.value = t.code;
        o.textContent = t.name + "（" + t.code + "）";
        return o;
      })
    );
    if (teams.some((t) => t.code === chosen)) select.value = chosen;
  });
})();

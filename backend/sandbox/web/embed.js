// The sandbox's stand-in for Fullscript's embedded screens. Its buttons ask
// the sandbox to act (select a patient, activate the plan); the sandbox
// answers with the message Fullscript would post, and this script posts it
// to the host page at target_origin, as fullscript-js expects (reference 5.7).
// Opened from a Redirect link, the page is top-level: nothing to post to.
(function () {
  "use strict";
  var root = document.getElementById("embed");
  var session = root.dataset.session;
  var patientChosen = root.dataset.matched !== "";
  var items = [];

  function $(id) { return document.getElementById(id); }

  function say(id, text, isError) {
    var el = $(id);
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }

  function act(action, body) {
    body.session = session;
    return fetch("/api/embeddable/session/actions/" + action, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) { throw new Error((json.errors || ["The sandbox refused: " + res.status]).join(" ")); }
        if (json.target_origin) { window.parent.postMessage(json.message, json.target_origin); }
        return json.message.payload;
      });
    });
  }

  var choice = $("patient-choice");
  if (choice) {
    choice.addEventListener("change", function () {
      $("new-patient").hidden = choice.value !== "new";
    });
    $("select-patient").addEventListener("click", function () {
      var body = {};
      if (choice.value === "new") {
        var np = {};
        $("new-patient").querySelectorAll("input").forEach(function (input) { np[input.name] = input.value; });
        body.new_patient = np;
      } else {
        body.patient_id = choice.value;
      }
      act("select_patient", body).then(function (payload) {
        var p = payload.data.patient;
        patientChosen = true;
        choice.disabled = true;
        $("select-patient").disabled = true;
        $("new-patient").hidden = true;
        say("patient-status", "Selected " + p.firstName + " " + p.lastName + " (" + p.email + ")");
      }, function (err) { say("patient-status", err.message, true); });
    });
  }

  // Like Fullscript's screen: an item is in the plan once (its Add says
  // "Added"), and an activated plan is final: nothing to add or remove.
  var activated = false;
  function inPlan(kind, id) {
    return items.some(function (i) { return i.kind === kind && i.id === id; });
  }

  function renderPlan() {
    var list = $("plan-items");
    list.textContent = "";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.textContent = item.name + " ";
      if (!activated) {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", "Remove " + item.name);
        remove.addEventListener("click", function () { items.splice(i, 1); renderPlan(); });
        li.appendChild(remove);
      }
      list.appendChild(li);
    });
    $("plan-empty").hidden = items.length > 0;
    document.querySelectorAll("button.add").forEach(function (b) {
      var added = inPlan(b.dataset.kind, b.dataset.id);
      b.disabled = activated || added;
      b.textContent = added ? "Added" : "Add";
      b.setAttribute("aria-label", (added ? "Added " : "Add ") + b.dataset.name);
    });
    // A complaint the plan no longer deserves goes with it.
    var status = $("plan-status");
    if (items.length > 0 && status.textContent === "Add at least one item first.") { say("plan-status", ""); }
  }

  document.querySelectorAll("button.add").forEach(function (btn) {
    btn.addEventListener("click", function () {
      if (activated || inPlan(btn.dataset.kind, btn.dataset.id)) { return; }
      items.push({ kind: btn.dataset.kind, id: btn.dataset.id, name: btn.dataset.name });
      renderPlan();
    });
  });

  $("activate").addEventListener("click", function () {
    if (!patientChosen) { say("plan-status", "Select a patient first.", true); return; }
    if (items.length === 0) { say("plan-status", "Add at least one item first.", true); return; }
    var body = {
      variant_ids: items.filter(function (i) { return i.kind === "product"; }).map(function (i) { return i.id; }),
      lab_ids: items.filter(function (i) { return i.kind === "lab"; }).map(function (i) { return i.id; })
    };
    var prac = $("practitioner-choice");
    if (prac) { body.practitioner_id = prac.value; }
    act("activate", body).then(function () {
      activated = true;
      $("activate").disabled = true;
      renderPlan();
      say("plan-status", "Treatment plan activated and sent to the patient.");
    }, function (err) { say("plan-status", err.message, true); });
  });
})();

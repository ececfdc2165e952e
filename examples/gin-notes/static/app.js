// Adds notes through the JSON API without reloading the page.
(function () {
  "use strict";

  const form = document.getElementById("new-note");
  const list = document.getElementById("notes");
  const errorBox = document.getElementById("form-error");

  function render(note) {
    const li = document.createElement("li");
    const h2 = document.createElement("h2");
    const p = document.createElement("p");
    const time = document.createElement("time");
    h2.textContent = note.title;
    p.textContent = note.body;
    time.dateTime = note.created_at;
    time.textContent = new Date(note.created_at).toLocaleString();
    li.append(h2, p, time);
    return li;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const data = new FormData(form);
    const resp = await fetch("/api/notes", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: data.get("title"), body: data.get("body") }),
    });
    const payload = await resp.json();
    if (!resp.ok) {
      errorBox.textContent = payload.error || "Could not save the note.";
      errorBox.hidden = false;
      return;
    }
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    list.prepend(render(payload));
    form.reset();
  });
})();

// The buyer's survey page: show a question when an earlier answer matches its show-if (the server decides the same).
(function () {
  const form = document.getElementById("survey-form");
  if (!form) return;
  function answersOf(name) {
    return Array.from(form.querySelectorAll(`[name="${name}"]:checked, [name="${name}[]"]:checked`)).map((i) => i.value);
  }
  function update() {
    form.querySelectorAll("[data-show-if]").forEach((q) => {
      const wanted = q.dataset.showIn.split(",");
      q.hidden = !answersOf(q.dataset.showIf).some((v) => wanted.includes(v));
    });
  }
  form.addEventListener("change", update);
  update();
})();

// The survey builder: each question's form shows only the fields its type uses (scale and ends for a rating or a
// matrix, options for a choice, rows for a matrix, the dimension for a SERVQUAL pair). Without script every field
// shows and the server ignores the ones the type does not use.
(function () {
  "use strict";
  function update(grid) {
    const kind = grid.querySelector("[data-builder-type]").value;
    grid.querySelectorAll("[data-for]").forEach((field) => {
      field.hidden = !field.dataset.for.split(" ").includes(kind);
    });
  }
  document.querySelectorAll("[data-builder]").forEach((grid) => {
    grid.querySelector("[data-builder-type]").addEventListener("change", () => update(grid));
    update(grid);
  });
})();

// The desk's buyer pages: keep only digits in the phone-tail box as the buyer types (the server checks the same).
(function () {
  const tail = document.getElementById("in-tail");
  if (tail) tail.addEventListener("input", () => { tail.value = tail.value.replace(/\D/g, "").slice(0, 4); });
})();

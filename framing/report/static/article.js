// framing report: switching highlight kinds on and off. Everything on the page reads without this script.
(function () {
  "use strict";
  document.querySelectorAll(".toggles input[data-kind]").forEach(function (box) {
    box.parentNode.hidden = false;
    var text = document.getElementById("text-body");
    box.addEventListener("change", function () {
      if (text) { text.classList.toggle("off-" + box.getAttribute("data-kind"), !box.checked); }
    });
  });
}());

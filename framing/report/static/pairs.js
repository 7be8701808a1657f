// framing report: showing the comparisons of the chosen articles. Everything on the page reads without this script.
(function () {
  "use strict";
  var picker = document.getElementById("pair-picker");
  if (picker) {
    picker.hidden = false;
    var a = document.getElementById("pick-a"), b = document.getElementById("pick-b"), msg = document.getElementById("pick-msg");
    var show = function () {
      var pairs = document.querySelectorAll(".pair");
      var found = false;
      pairs.forEach(function (p) {
        var ok = (p.getAttribute("data-a") === a.value && p.getAttribute("data-b") === b.value) ||
                 (p.getAttribute("data-a") === b.value && p.getAttribute("data-b") === a.value);
        var all = a.value === "" && b.value === "";
        var one = (a.value === "" || b.value === "") &&
                  [p.getAttribute("data-a"), p.getAttribute("data-b")].indexOf(a.value || b.value) >= 0;
        p.classList.toggle("hidden", !(ok || all || one));
        found = found || ok || all || one;
      });
      msg.textContent = found ? "" : "This pair is not in the report; add it with: framing report SCORES_DIR --pair A_ID B_ID";
    };
    a.addEventListener("change", show);
    b.addEventListener("change", show);
  }
}());

// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest(".use-suggestion") : null;
  if (!button) return;
  var input = document.getElementById(button.getAttribute("data-target"));
  if (input) {
    input.value = button.getAttribute("data-value");
    input.focus();
  }
});

// On a phone the list tables stack their cells (app.css): a cell the template did not name gets its column's heading.
(function () {
  var tables = document.querySelectorAll("table.list:not(.keep)");
  for (var t = 0; t < tables.length; t++) {
    var heads = tables[t].querySelectorAll("thead tr:last-child th");
    var names = [];
    for (var h = 0; h < heads.length; h++) {
      var span = parseInt(heads[h].getAttribute("colspan") || "1", 10);
      for (var k = 0; k < span; k++) names.push(heads[h].textContent.replace(/\s+/g, " ").trim());
    }
    var rows = tables[t].querySelectorAll("tbody tr");
    for (var r = 0; r < rows.length; r++) {
      var col = 0;
      for (var c = 0; c < rows[r].children.length; c++) {
        var cell = rows[r].children[c];
        if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && names[col]) {
          cell.setAttribute("data-label", names[col]);
        }
        col += parseInt(cell.getAttribute("colspan") || "1", 10);
      }
    }
  }
})();

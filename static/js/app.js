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

// More files in one form than the server takes (DATA_UPLOAD_MAX_NUMBER_FILES, on <body>) are refused before sending:
// sent, the server could only answer an error page, and what the user typed would be gone.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var max = parseInt(document.body.getAttribute("data-max-files") || "0", 10);
  if (!max || !form.querySelectorAll) return;
  var inputs = form.querySelectorAll('input[type="file"]');
  var count = 0;
  for (var i = 0; i < inputs.length; i++) count += inputs[i].files ? inputs[i].files.length : 0;
  if (count > max) {
    event.preventDefault();
    window.alert("一次最多上传 " + max + " 个文件，本次选择了 " + count + " 个。请减少后再提交，或分几次上传。");
  }
});

// A form that does something not undone (取消导入) asks first: data-confirm holds the question.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

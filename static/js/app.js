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

// Place booking blocks on the day calendar. Positions come from data attributes because the
// Content-Security-Policy forbids inline style attributes; setting them through the DOM is allowed.
function placeBlocks(root) {
  root.querySelectorAll(".cal-block[data-left]").forEach(function (block) {
    block.style.left = block.dataset.left + "%";
    block.style.width = block.dataset.width + "%";
  });
}
document.addEventListener("DOMContentLoaded", function () { placeBlocks(document); });
document.addEventListener("htmx:afterSwap", function (event) { placeBlocks(event.target); });

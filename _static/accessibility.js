// Issue 15, every reader (added to every page by Jupyter Book: every .js in _static/).
// The theme makes scrollable code blocks and outputs keyboard-focusable (tabindex 0) when a page
// loads, resizes or changes, so that keyboard users can scroll them. Code folded away (MyST-NB's
// hide-input <details>, sphinx-togglebutton's solutions) is not scrollable while folded and gets
// tabindex -1; unfolding it changes neither the window size nor the content, so it stayed out of
// keyboard reach (axe-core rule scrollable-region-focusable). Unfolding now asks the theme to look
// again (its resize handler).
(function () {
  "use strict";
  function recheck() {
    window.dispatchEvent(new Event("resize"));
  }
  document.addEventListener(
    "toggle",
    function (event) {
      if (event.target && event.target.tagName === "DETAILS") {
        recheck();
      }
    },
    true
  );
  document.addEventListener("click", function (event) {
    if (event.target && event.target.closest && event.target.closest("button.toggle-button")) {
      setTimeout(recheck, 0); // after sphinx-togglebutton has unfolded the box
    }
  });
})();

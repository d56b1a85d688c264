// Loaded after require.js and before the ipywidgets HTML manager on pages with widgets
// (see nb_ipywidgets_js in _config.yml; copied to _build/html/vendor/ by
// scripts/fetch_web_assets.sh). Three fixes for the static book:
(function () {
  "use strict";

  // 1. Icon fonts. The HTML manager works out where its fonts live from its AMD module URL, which
  //    require.js derives from baseUrl (by default the page's own folder, so chapters/ pages would
  //    ask for chapters/@jupyter-widgets/...). Point baseUrl at this script's folder, so pages at
  //    any depth find vendor/@jupyter-widgets/html-manager/dist/<font files>.
  var here = document.currentScript && document.currentScript.src;
  if (here && typeof require !== "undefined" && typeof require.config === "function") {
    require.config({ baseUrl: here.substring(0, here.lastIndexOf("/") + 1) });
  }

  // 2. MathJax. The HTML manager typesets widget labels with the MathJax 2 API
  //    (MathJax.Hub.Queue) whenever window.MathJax exists; the book uses MathJax 3, so every widget
  //    with a description would throw "Cannot read properties of undefined (reading 'Queue')".
  //    Give MathJax 3 a minimal Hub.Queue that typesets the element with the MathJax 3 API.
  //    MathJax is loaded with `defer`, so it exists by DOMContentLoaded; widgets render on `load`.
  function installMathJax2Shim() {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.version || String(mj.version).charAt(0) === "2") {
      return;
    }
    mj.Hub = {
      Queue: function (command) {
        var element = Array.isArray(command) ? command[2] : undefined;
        var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
        ready
          .then(function () {
            if (typeof mj.typesetPromise === "function") {
              return mj.typesetPromise(element ? [element] : undefined);
            }
          })
          .catch(function (err) {
            console.warn("MathJax typesetting of a widget label failed:", err);
          });
      },
    };
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", installMathJax2Shim);
  } else {
    installMathJax2Shim();
  }
  // 3. Accessibility (issue 15). An ipywidgets slider's handle (role="slider") has no accessible
  //    name (its description is a <label> for nothing): name every handle after its description.
  //    In the course's explorers (dying_relu.widgets.frame_explorer marks them with CSS classes)
  //    the slider's aria-valuetext is its position (0, 1, 2...), not the value it stands for: give
  //    it the value shown beside it (the .dr-value Stack), and make the frames (.dr-frames, each an
  //    <img> with its own alt text) an aria-live region, so that a screen reader announces the new
  //    frame's description when the slider moves.
  function labelExplorers() {
    // every ipywidgets slider on the page: the handle is named after the slider's description
    document.querySelectorAll(".widget-slider").forEach(function (slider) {
      var handle = slider.querySelector(".noUi-handle");
      var label = slider.querySelector(".widget-label");
      var name = label ? label.textContent.trim() : "";
      if (handle && name && handle.getAttribute("aria-label") !== name) {
        handle.setAttribute("aria-label", name);
      }
    });
    document.querySelectorAll(".dr-explorer").forEach(function (box) {
      box.querySelectorAll(".dr-frames").forEach(function (frames) {
        if (frames.getAttribute("aria-live") !== "polite") {
          frames.setAttribute("aria-live", "polite");
          frames.setAttribute("aria-atomic", "true");
        }
      });
      box.querySelectorAll(".widget-slider").forEach(function (slider) {
        var handle = slider.querySelector(".noUi-handle");
        var row = slider.parentElement;
        var shown = row ? row.querySelector(".dr-value") : null;
        var text = shown ? shown.textContent.trim() : "";
        if (handle && text && handle.getAttribute("aria-valuetext") !== text) {
          handle.setAttribute("aria-valuetext", text);
        }
      });
    });
  }
  var scheduled = false;
  function schedule() {
    if (!scheduled) {
      scheduled = true;
      // after the slider and the Stacks have updated (same task): a microtask runs after them
      Promise.resolve().then(function () {
        scheduled = false;
        labelExplorers();
      });
    }
  }
  function observe() {
    new MutationObserver(schedule).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["aria-valuenow", "aria-valuetext"],
    });
    schedule();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", observe);
  } else {
    observe();
  }
})();

// Loaded after require.js and before the ipywidgets HTML manager on pages with widgets
// (see nb_ipywidgets_js in _config.yml; copied to _build/html/vendor/ by
// scripts/fetch_web_assets.sh). Two fixes for the static book:
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
})();

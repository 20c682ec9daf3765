// Fullscript's error page reports to the host page, which fullscript-js
// turns into a thrown Error (reference 5.7).
(function () {
  var el = document.getElementById("embed-error");
  var target = el.dataset.targetOrigin;
  if (window.parent !== window && target) {
    window.parent.postMessage({ type: "serverError", payload: [el.dataset.message] }, target);
  }
})();

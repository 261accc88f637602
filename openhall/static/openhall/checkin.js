// The check-in page's camera: where the browser can read QR codes itself (BarcodeDetector, in
// Chrome on Android), a tap on "scan" fills the code and submits. Elsewhere staff type the code.
(function () {
  "use strict";
  var button = document.getElementById("scan");
  var video = document.getElementById("camera");
  var input = document.getElementById("ticket-code");
  if (input) {
    // After each check-in the field empties and keeps the focus, ready for the next ticket.
    input.form.addEventListener("htmx:afterRequest", function () {
      input.value = "";
      input.focus();
    });
  }
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var last = "", lastAt = 0;
  button.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (!codes.length) return;
          var value = codes[0].rawValue, now = Date.now();
          if (value === last && now - lastAt < 3000) return; // the same ticket held still
          last = value; lastAt = now;
          input.value = value;
          input.form.requestSubmit();
        }).catch(function () {});
      }, 300);
    }).catch(function () { button.hidden = true; });
  });
})();

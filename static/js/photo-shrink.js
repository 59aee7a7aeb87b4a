// A check-in photo is shrunk on the phone before it is sent: a 12-megapixel
// photo is 3 MB or more, the server keeps at most data-shrink pixels a side,
// and on the activity morning every member's upload queues behind the others.
// Re-encoding through a canvas also leaves the photo's EXIF (GPS) on the
// phone. Whatever fails here (an old browser, a format it cannot decode),
// the original file stays chosen and is sent as it is; the server checks and
// re-encodes every photo either way.
(function () {
  "use strict";
  if (window.netbranchPhotoShrink) return;
  window.netbranchPhotoShrink = true;
  if (!window.createImageBitmap || !window.DataTransfer || !window.Promise) return;

  // Longer than a phone needs to decode a 48-megapixel photo; past it the original goes.
  var PATIENCE = 15000;
  var pending = new Map();

  function encode(bitmap, side, quality) {
    var scale = side / Math.max(bitmap.width, bitmap.height);
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    var context = canvas.getContext("2d");
    // Transparent areas become white, as the server flattens them, not JPEG's black.
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", quality);
    });
  }

  // The smaller file, or null when the original should go as it is.
  function shrink(file, side, quality) {
    return createImageBitmap(file).then(function (bitmap) {
      if (Math.max(bitmap.width, bitmap.height) <= side) {
        bitmap.close();
        return null;
      }
      return encode(bitmap, side, quality).then(function (blob) {
        bitmap.close();
        return blob && blob.size < file.size ? blob : null;
      });
    });
  }

  function start(input) {
    var file = input.files && input.files[0];
    var side = parseInt(input.dataset.shrink, 10);
    var quality = parseFloat(input.dataset.quality) || 0.8;
    if (!file || !side) return;
    var done = shrink(file, side, quality)
      .then(function (blob) {
        // A photo chosen again meanwhile is that one's to shrink.
        if (!blob || input.files[0] !== file) return;
        var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
        var chosen = new DataTransfer();
        chosen.items.add(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        input.files = chosen.files;
      })
      .catch(function () {
        // Not decodable here: the server decides about the original.
      })
      .then(function () {
        if (pending.get(input) === done) pending.delete(input);
      });
    pending.set(input, done);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-shrink]")) start(event.target);
  });

  // Captured before checkin.js sees the submit: a tap while the photo is
  // still being shrunk waits for it, then submits again the same way.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var waits = [];
      pending.forEach(function (done, input) {
        if (input.form === form) waits.push(done);
      });
      if (!waits.length) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (form.dataset.shrinking) return;
      form.dataset.shrinking = "1";
      var pressed = event.submitter;
      var label = pressed && pressed.dataset.busy ? pressed.textContent : null;
      if (label !== null) pressed.textContent = pressed.dataset.busy;
      var timer;
      var patience = new Promise(function (resolve) {
        timer = window.setTimeout(resolve, PATIENCE);
      });
      Promise.race([Promise.all(waits), patience]).then(function () {
        window.clearTimeout(timer);
        pending.forEach(function (done, input) {
          if (input.form === form) pending.delete(input);
        });
        delete form.dataset.shrinking;
        if (label !== null) pressed.textContent = label;
        if (form.requestSubmit) form.requestSubmit(pressed || undefined);
        else (pressed || form.querySelector("[type=submit]")).click();
      });
    },
    true,
  );
})();

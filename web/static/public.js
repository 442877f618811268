// The reporter's pages work without this script; with it, a file over the limit is refused the
// moment it is chosen instead of after a long upload, a second tap on "send" does nothing, photos
// are scaled to a long side of at most 2560 px before sending (unless "keep the original" is
// ticked), and a progress bar says how much has been sent while the send button waits, disabled.
(function () {
  "use strict";
  var LONG_SIDE = 2560, QUALITY = 0.8;
  // Animated GIFs are never scaled (a canvas keeps one frame); the others only when larger.
  var SCALABLE = {"image/jpeg": 1, "image/png": 1, "image/webp": 1};

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var note = document.getElementById("files-check");
    input.addEventListener("change", function () {
      var max = Number(input.dataset.maxBytes), problems = [];
      if (input.files.length > Number(input.dataset.maxFiles)) { problems.push(input.dataset.tooMany); }
      Array.prototype.forEach.call(input.files, function (f) {
        if (f.size > max) { problems.push(input.dataset.tooBig + " " + f.name); }
      });
      input.setCustomValidity(problems.join(" "));
      if (note) { note.textContent = problems.join(" "); note.hidden = problems.length === 0; }
      if (problems.length) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
  });

  // A photo scaled in the browser: its EXIF orientation applied, encoded again in its own type.
  function scaled(file) {
    if (!SCALABLE[file.type] || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (probe) {
      var w = probe.width, h = probe.height, ratio = LONG_SIDE / Math.max(w, h);
      probe.close();
      if (ratio >= 1) { return file; }
      var width = Math.round(w * ratio), height = Math.round(h * ratio);
      return createImageBitmap(file, {imageOrientation: "from-image", resizeWidth: width, resizeHeight: height,
                                      resizeQuality: "high"}).then(function (bitmap) {
        var canvas = document.createElement("canvas");
        canvas.width = width; canvas.height = height;
        canvas.getContext("2d").drawImage(bitmap, 0, 0);
        bitmap.close();
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) {
            resolve(blob && blob.size < file.size ? new File([blob], file.name, {type: blob.type}) : file);
          }, file.type, QUALITY);
        });
      });
    }).catch(function () { return file; });  // not decodable here: the server decides
  }

  function sendWithProgress(form, submitter) {
    var box = form.querySelector(".send-progress"), bar = box.querySelector("progress"),
        label = box.querySelector(".send-progress-text"), button = form.querySelector("#send"),
        keep = form.querySelector("input[name=keep_original]"), input = form.querySelector("input[type=file]");
    var data = new FormData(form);
    if (submitter && submitter.name) { data.set(submitter.name, submitter.value); }
    button.disabled = true;
    box.hidden = false;
    label.textContent = box.dataset.preparing;
    var files = input ? Array.prototype.slice.call(input.files) : [];
    var ready = files.length && !(keep && keep.checked) ? Promise.all(files.map(scaled)) : Promise.resolve(files);
    ready.then(function (sent) {
      if (input) {
        data.delete(input.name);
        sent.forEach(function (f) { data.append(input.name, f, f.name); });
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.min(100, Math.floor(100 * e.loaded / e.total));
        bar.value = pct;
        label.textContent = box.dataset.sending.replace("{pct}", pct);
      });
      xhr.addEventListener("load", function () {
        label.textContent = box.dataset.done;
        var action = new URL(form.getAttribute("action") || location.href, location.href);
        if (xhr.responseURL && new URL(xhr.responseURL).pathname !== action.pathname) {
          // Redirected (the report's receipt): load it as a page of its own, as without script.
          location.replace(xhr.responseURL);
          return;
        }
        // The answer is the next page itself (the form again with its messages, the status page).
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        label.textContent = box.dataset.failed;
        button.disabled = false;
        delete form.dataset.sending;
      });
      xhr.send(data);
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    var box = form.querySelector(".send-progress");
    form.querySelectorAll(".needs-script").forEach(function (el) { el.hidden = false; });
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      var by = event.submitter, input = form.querySelector("input[type=file]");
      if (by && by.value === "lang") { return; }
      form.dataset.sending = "1";
      // Only a send with files chosen here goes through the script: the rest is a plain form post.
      if (box && input && input.files.length && window.FormData && window.XMLHttpRequest && window.Promise) {
        event.preventDefault();
        sendWithProgress(form, by);
      }
    });
  });
})();

// The reporter's pages work without this script; with it, a file over the limit is refused the
// moment it is chosen instead of after a long upload, and a second tap on "send" does nothing.
(function () {
  "use strict";
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
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      var by = event.submitter;
      if (!by || by.value !== "lang") { form.dataset.sending = "1"; }
    });
  });
})();

// The edit page's upload form: a preview of the chosen file before it is sent (the form works without this).
(function () {
  "use strict";
  var input = document.getElementById("image-file");
  var preview = document.querySelector(".upload-preview");
  if (!input || !preview) {
    return;
  }
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (preview.src) {
      URL.revokeObjectURL(preview.src);
    }
    if (file && /^image\/(jpeg|png|webp)$/.test(file.type)) {
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    } else {
      preview.removeAttribute("src");
      preview.hidden = true;
    }
  });
})();

// A file picker with a drop zone: the same wiring on every page that takes a file.

/** Call `choose(file)` when a file is picked with `input` or dropped on `dropzone`. */
export function wireDropzone(dropzone, input, choose) {
  input.addEventListener("change", () => choose(input.files[0]));
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("is-dragging");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    dropzone.addEventListener(type, () => dropzone.classList.remove("is-dragging"));
  }
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) choose(event.dataTransfer.files[0]);
  });
}

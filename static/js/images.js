// Draw grayscale images (pixels 0..1, row-major, ink high) onto canvases.

/** Paint pixels into a canvas of the image's own size; CSS scales it up (pixelated). */
export function drawPixels(canvas, pixels, width, height, { ink = "dark" } = {}) {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i += 1) {
    const v = Math.min(1, Math.max(0, Number(pixels[i]) || 0));
    // "dark": ink drawn dark on paper; "light": white ink on black, as the network sees it.
    const gray = Math.round(255 * (ink === "dark" ? 1 - v : v));
    image.data[4 * i] = gray;
    image.data[4 * i + 1] = gray;
    image.data[4 * i + 2] = gray;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** A new canvas with the image drawn and a CSS class for its displayed size. */
export function makeImageCanvas(pixels, width, height, className = "pixel-canvas", options = {}) {
  const canvas = document.createElement("canvas");
  canvas.className = className;
  drawPixels(canvas, pixels, width, height, options);
  return canvas;
}

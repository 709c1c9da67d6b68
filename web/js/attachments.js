// Attachments in the page (docs/PROTOCOL.md "Blobs"): an image shows inline at its own
// proportions, any other file as a download link. GET /v1/blobs/{id} needs the bearer token,
// which neither <img src> nor <a href> can send, so the bytes are fetched once per blob and
// shown through an object URL kept for the page's life. The pure helpers run in node too.

export const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const SHOWN_MAX = 240;  // px: the larger side of an inline image

// The box an image of width x height is drawn in: its own size, scaled down to fit.
export function imageBox(width, height, max = SHOWN_MAX) {
  if (!(width > 0 && height > 0)) return { width: max, height: max };
  const k = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

export function formatSize(bytes) {
  const n = Number(bytes);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// The reference a send carries for an uploaded file: the upload's answer (id, size and type
// as the server normalized them) plus the name and, for an image, its dimensions.
export function attachmentOf(uploaded, name, dims) {
  const a = { blob: uploaded.blob, content_type: uploaded.content_type, size: String(uploaded.size), name };
  if (dims) { a.width = dims.width; a.height = dims.height; }
  return a;
}

// An image's dimensions, read by the browser before upload; null for anything else.
export async function imageDims(file) {
  if (!IMAGE_TYPES.has(file.type) || typeof createImageBitmap !== 'function') return null;
  try {
    const bmp = await createImageBitmap(file);
    const dims = { width: bmp.width, height: bmp.height };
    bmp.close();
    return dims;
  } catch (e) {
    return null;  // not decodable: sent as a plain file
  }
}

export class Attachments {
  // `onLoaded` redraws once an image's bytes are here (with an error when a file's failed).
  constructor(api, onLoaded) { this.api = api; this.onLoaded = onLoaded; this.urls = new Map(); }

  // The object URL of `blob`, or undefined while it is being fetched (started here).
  url(blob) {
    const have = this.urls.get(blob);
    if (have !== undefined) return have || undefined;
    this.urls.set(blob, null);
    this.api.blob(blob).then((b) => { this.urls.set(blob, URL.createObjectURL(b)); this.onLoaded(); },
      () => { this.urls.delete(blob); });  // tried again on the next draw
    return undefined;
  }

  element(a) {
    const title = `${a.name} (${a.width ? `${a.width}×${a.height}, ` : ''}${formatSize(a.size)})`;
    if (IMAGE_TYPES.has(a.content_type)) {
      const img = document.createElement('img');
      const box = imageBox(a.width, a.height);
      Object.assign(img, { className: 'attachment', width: box.width, height: box.height, alt: a.name, title });
      img.dataset.blob = a.blob;
      const src = this.url(a.blob);
      if (src) img.src = src;
      return img;
    }
    // A file's bytes are fetched when it is clicked, not when it is drawn.
    const link = document.createElement('a');
    Object.assign(link, { className: 'attachment file', download: a.name, textContent: `📎 ${title}` });
    link.dataset.blob = a.blob;
    const have = this.urls.get(a.blob);
    if (have) link.href = have;
    link.onclick = (ev) => {
      if (link.href) return;
      ev.preventDefault();
      this.api.blob(a.blob).then((b) => {
        const url = URL.createObjectURL(b);
        this.urls.set(a.blob, url);
        link.href = url;
        link.click();
      }, () => this.onLoaded({ text: `${a.name} could not be downloaded` }));
    };
    return link;
  }
}

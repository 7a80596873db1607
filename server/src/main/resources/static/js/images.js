// Image collections: the grid of thumbnails, the full image in a dialog ("Find similar"), and the upload
// button and drop zone that search by an image file.
import { $, el, fieldText, fmt } from './dom.js';

/** Same-origin paths only (e.g. /api/v1/collections/c/image?id=x); anything else is not used as an image URL. */
function safeImageUrl(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : null;
}

function imageUrl(hit) {
  return safeImageUrl(hit._image || (hit.fields && hit.fields._image));
}

function thumbnailUrl(hit) {
  return safeImageUrl(hit._thumbnail || (hit.fields && hit.fields._thumbnail)) || imageUrl(hit);
}

function caption(hit) {
  const f = hit.fields || {};
  return fieldText(f.caption || f.title || f.text || hit.id);
}

/** A grid tile; onOpen(hit, tile) runs when the user opens it. */
export function renderTile(hit, onOpen) {
  const tile = el('figure', 'tile');
  tile.dataset.id = hit.id;
  const open = el('button', 'tile-open');
  open.type = 'button';
  const src = thumbnailUrl(hit);
  if (src) {
    const img = el('img');
    img.src = src;
    img.alt = caption(hit);
    img.loading = 'lazy';
    open.appendChild(img);
  } else {
    open.appendChild(el('span', 'tile-missing', 'no image'));
  }
  open.setAttribute('aria-label', 'Open image: ' + caption(hit));
  open.addEventListener('click', () => onOpen(hit, tile));
  tile.appendChild(open);
  const cap = el('figcaption');
  cap.appendChild(el('span', 'tile-caption', caption(hit)));
  cap.appendChild(el('span', 'hit-score', fmt(hit.score, 4)));
  tile.appendChild(cap);
  return tile;
}

/**
 * The image dialog: open(hit) shows the full image; its "Find similar" button closes it and calls
 * onFindSimilar(id) with the shown image's id.
 */
export function createImageDialog({ onFindSimilar }) {
  const dialog = $('image-dialog');
  let shown = null; // the hit in the dialog

  function close() {
    if (typeof dialog.close === 'function') dialog.close(); else dialog.removeAttribute('open');
  }

  function open(hit) {
    shown = hit;
    const img = $('dialog-image');
    img.src = imageUrl(hit) || thumbnailUrl(hit) || '';
    img.alt = caption(hit);
    $('dialog-caption').textContent = `${caption(hit)} · id ${hit.id} · score ${fmt(hit.score, 4)}`;
    if (typeof dialog.showModal === 'function') dialog.showModal(); else dialog.setAttribute('open', '');
  }

  $('find-similar').addEventListener('click', () => {
    const hit = shown;
    close();
    if (hit) onFindSimilar(hit.id);
  });
  $('dialog-close').addEventListener('click', close);
  return { open };
}

/**
 * The upload button and the drop zone of the search view: onFile(file) with the chosen or dropped file;
 * dropping is taken only while isActive() (an image collection is selected).
 */
export function wireImageInput({ isActive, onFile }) {
  const input = $('image-file');
  $('upload-button').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files[0];
    input.value = '';
    onFile(file);
  });
  const view = $('view-search');
  const zone = $('drop-zone');
  view.addEventListener('dragover', (e) => {
    if (!isActive()) return;
    e.preventDefault();
    zone.classList.add('active');
  });
  view.addEventListener('dragleave', (e) => {
    if (e.target === view || e.target === zone) zone.classList.remove('active');
  });
  view.addEventListener('drop', (e) => {
    zone.classList.remove('active');
    if (!isActive()) return;
    e.preventDefault();
    onFile(e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0]);
  });
}

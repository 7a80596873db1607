// The collections view: each collection's document count, model stamp, size and last update; a name opens the
// search view on that collection.
import { $, bytes, el, utc } from './dom.js';

/** @param onOpen (name) => called when the user picks a collection to search */
export function createCollectionsView({ onOpen }) {
  let shown = []; // the last list rendered, kept when a refresh fails

  /** Renders GET /api/v1/collections's answer ({ok, status, body}); a failed one shows the previous list. */
  function render(result) {
    if (result.ok && Array.isArray(result.body)) shown = result.body;
    const body = $('collections-table').querySelector('tbody');
    body.replaceChildren();
    for (const c of shown) {
      const row = el('tr');
      row.dataset.collection = c.name;
      const nameCell = el('td');
      const open = el('button', 'link-button', c.name);
      open.type = 'button';
      open.title = 'Search this collection';
      open.addEventListener('click', () => onOpen(c.name));
      nameCell.appendChild(open);
      if (c.modality) nameCell.appendChild(el('span', 'badge', c.modality));
      row.appendChild(nameCell);
      const stamp = c.stamp || {};
      const cells = [
        [c.documentCount, 'num'], [stamp.modelId], [stamp.dimension, 'num'], [stamp.metric],
        [stamp.checksum ? stamp.checksum.slice(0, 12) : '–', 'mono'], [bytes(c.sizeBytes), 'num'], [utc(c.lastModified)],
      ];
      for (const [value, cls] of cells) row.appendChild(el('td', cls || null, value === undefined ? '–' : value));
      body.appendChild(row);
    }
    $('collections-status').textContent = `${shown.length} collection(s).`;
  }

  return { render };
}

// DOM and formatting helpers shared by every view. Safety rule of the whole UI: text from documents or the
// server is only ever inserted with textContent / createTextNode, never parsed as HTML.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Creates an element; text (if given) goes in as text, never as markup. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function fmt(number, digits) {
  return typeof number === 'number' && isFinite(number) ? number.toFixed(digits) : '–';
}

export function percent(x) {
  return typeof x === 'number' && isFinite(x) ? (100 * x).toFixed(1) + ' %' : '–';
}

export function bytes(n) {
  if (typeof n !== 'number' || n < 0) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

export function utc(instant) {
  if (!instant) return '–';
  const d = new Date(instant);
  return isNaN(d) ? String(instant) : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** A stored field's value as display text (objects and lists as JSON). */
export function fieldText(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

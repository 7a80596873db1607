// The server's HTTP API, as the views use it. Every call answers {ok, status, body}; a network failure is
// {ok: false, status: 0, body: {message}} rather than a rejected promise.

function networkError(e) {
  return { ok: false, status: 0, body: { message: 'network error: ' + e } };
}

export async function fetchJson(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    return networkError(e);
  }
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  return { ok: response.ok, status: response.status, body };
}

export function errorText(result) {
  const b = result.body || {};
  return `Error ${result.status}${b.code ? ' (' + b.code + ')' : ''}: ${b.message || 'the server sent no details'}`;
}

export const listCollections = () => fetchJson('/api/v1/collections');
export const experimentsConfig = () => fetchJson('/api/v1/experiments');
export const experimentsMetrics = () => fetchJson('/api/v1/experiments/metrics');

/** A search: params as JSON, or with an image file as multipart (part "image", the rest as form fields). */
export function search(collection, params, file) {
  const url = `/api/v1/collections/${encodeURIComponent(collection)}/search`;
  if (file) {
    const form = new FormData();
    form.append('image', file, file.name || 'upload');
    for (const [k, v] of Object.entries(params)) form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    return fetchJson(url, { method: 'POST', body: form });
  }
  return fetchJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
}

/** Reports a click on a result; resolves to whether the server took it. */
export async function feedback(queryId, docId, position) {
  const result = await fetchJson('/api/v1/feedback', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ queryId, docId, position }),
  });
  return result.ok;
}

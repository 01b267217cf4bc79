// The REST API client: same-origin fetch with the session cookie, and the
// session's CSRF token in X-CSRF-Token on every state change.
let csrf = '';

export function setCsrf(token) { csrf = token || ''; }

export class ApiError extends Error {
  // retryAfter: seconds the server asked to wait (Retry-After), else 0.
  constructor(status, message, retryAfter = 0) { super(message); this.status = status; this.retryAfter = retryAfter; }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch('/api/v1/' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    throw new ApiError(res.status, (data && data.error) || res.statusText, Number(res.headers.get('Retry-After')) || 0);
  }
  return data;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

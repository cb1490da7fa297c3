// Talking to the Facta server: JSON requests, the error shape {"error","message"}, and the login form
// shown when the server answers 401 (a token is configured); the request is retried after login.
import {h, parseJson} from './dom.js';

/** The header every state-changing admin request carries; cross-site forms cannot send it. */
const CSRF = {'X-Facta-Admin': '1'};

/** An error answer of the server. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

/**
 * The tenant the UI works for on a multi-tenant server: the page's ?tenant= parameter (a token bound
 * to one tenant needs none). Sent as the Facta-Tenant header; EventSource, which cannot send
 * headers, gets it as a query parameter through tenantQuery().
 */
export const TENANT = new URLSearchParams(window.location.search).get('tenant') || null;

/** '&tenant=<id>' when a tenant is chosen, else ''. */
export function tenantQuery() {
  return TENANT ? `&tenant=${encodeURIComponent(TENANT)}` : '';
}

let loginPending = null;

/** GET a JSON resource. */
export function get(path, options) {
  return request('GET', path, undefined, options);
}

/** POST a state-changing admin request. */
export function post(path, body, options) {
  return request('POST', path, body, options);
}

async function request(method, path, body, options = {}) {
  for (;;) {
    const headers = Object.assign({Accept: 'application/json'}, CSRF);
    if (TENANT) headers['Facta-Tenant'] = TENANT;
    const init = {method, headers, credentials: 'same-origin', signal: options.signal, cache: 'no-store'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      await login();
      continue;
    }
    const text = await response.text();
    let value = null;
    if (text) {
      try {
        value = parseJson(text);
      } catch (e) {
        if (response.ok) throw new ApiError(response.status, 'bad_response', 'the server answered something that is not JSON');
      }
    }
    if (!response.ok) {
      throw new ApiError(response.status, value && value.error, (value && value.message) || `${response.status} ${response.statusText}`);
    }
    return value;
  }
}

/**
 * Resolves once the user has logged in through the form (several requests that got a 401 at the
 * same time share one form).
 */
export function login() {
  if (!loginPending) {
    loginPending = showLoginForm().finally(() => {
      loginPending = null;
    });
  }
  return loginPending;
}

function showLoginForm() {
  return new Promise((resolve) => {
    const input = h('input', {type: 'password', id: 'login-token', name: 'token', autocomplete: 'current-password',
      required: true, placeholder: 'Access token', 'aria-label': 'Access token'});
    const message = h('p', {class: 'login-error', id: 'login-error', role: 'alert'});
    const button = h('button', {type: 'submit', class: 'primary', id: 'login-submit'}, 'Sign in');
    const form = h('form', {class: 'login-box', id: 'login-form'},
        h('h2', null, 'Sign in to Facta'),
        h('p', {class: 'muted'}, 'This server requires an access token (its --auth-token, or one of its token file).'),
        input, message, button);
    const overlay = h('div', {class: 'overlay', id: 'login'}, form);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      message.textContent = '';
      try {
        const response = await fetch('/admin/login', {
          method: 'POST', credentials: 'same-origin', cache: 'no-store',
          headers: Object.assign({'Content-Type': 'application/json'}, CSRF),
          body: JSON.stringify({token: input.value}),
        });
        if (response.ok) {
          overlay.remove();
          resolve();
          return;
        }
        message.textContent = response.status === 401 ? 'That token is not right.' : `The server refused: HTTP ${response.status}.`;
      } catch (e) {
        message.textContent = `Cannot reach the server: ${e.message}`;
      }
      button.disabled = false;
      input.select();
    });
    document.body.appendChild(overlay);
    input.focus();
  });
}

/** A text for an error to show to the user. */
export function describeError(e) {
  if (e instanceof ApiError) return e.code ? `${e.message} (${e.code}, HTTP ${e.status})` : e.message;
  return e && e.message ? e.message : String(e);
}

// DOM helpers of the Facta admin UI. Every value from the server is put into the page as text
// (textContent, attributes set one by one); nothing is ever parsed as HTML.

/**
 * Creates an element: h('a', {href: '#/x', class: 'link'}, 'text', child, ...).
 * Attributes starting with "on" are event listeners; null/undefined/false children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (key === 'class') {
        el.className = value;
      } else if (key === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (key === 'value' || key === 'checked' || key === 'disabled') {
        el[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A link to a route of the UI: link('#/event', {position: 3}, 'text'). */
export function link(route, params, ...children) {
  return h('a', {href: href(route, params)}, ...children);
}

/** The hash URL of a route with query parameters (null/undefined ones left out). */
export function href(route, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${route}?${s}` : route;
}

// ---------------------------------------------------------------- exact JSON

/** A JSON number a JavaScript number cannot hold exactly; kept as its text. */
export class ExactNumber {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
  valueOf() {
    return Number(this.text);
  }
  toJSON() {
    return Number(this.text);
  }
}

/**
 * Parses JSON text like JSON.parse, except that numbers a double cannot represent as written
 * (large integers, decimals such as 1.10 or 0.1000000000000000055) become ExactNumber, so what the
 * UI shows is exactly what the store holds.
 */
export function parseJson(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (what) => {
    throw new SyntaxError(`bad JSON at ${i}: ${what}`);
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a name');
        const key = string();
        ws();
        if (text[i++] !== ':') fail('expected :');
        Object.defineProperty(obj, key, {value: value(), enumerable: true, writable: true, configurable: true});
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i++] !== '}') fail('expected , or }');
        return obj;
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i++] !== ']') fail('expected , or ]');
        return arr;
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const found = m.exec(text);
    if (!found) fail('unexpected character');
    i = m.lastIndex;
    const raw = found[0];
    const n = Number(raw);
    if (/^-?\d+$/.test(raw)) return Number.isSafeInteger(n) ? n : new ExactNumber(raw);
    return String(n) === raw ? n : new ExactNumber(raw);
  };
  const string = () => {
    const m = /"((?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"/y;
    m.lastIndex = i;
    const found = m.exec(text);
    if (!found) fail('bad string');
    i = m.lastIndex;
    return JSON.parse(found[0]);
  };
  const result = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return result;
}

/** Compact JSON text of a value parsed by parseJson (exact numbers kept as written). */
export function stringifyJson(value) {
  if (value instanceof ExactNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A <pre> showing a JSON value pretty-printed and coloured: every token is a text node inside a
 * span, so nothing in the data can become markup.
 */
export function jsonView(value, attrs) {
  const pre = h('pre', Object.assign({class: 'json'}, attrs || {}));
  const out = [];
  const tok = (cls, text) => out.push(h('span', {class: cls}, text));
  const txt = (text) => out.push(document.createTextNode(text));
  const walk = (v, indent) => {
    if (v instanceof ExactNumber) return tok('j-num', v.text);
    if (v === null) return tok('j-null', 'null');
    if (typeof v === 'boolean') return tok('j-bool', String(v));
    if (typeof v === 'number') return tok('j-num', String(v));
    if (typeof v === 'string') return tok('j-str', JSON.stringify(v));
    const pad = '  '.repeat(indent + 1);
    if (Array.isArray(v)) {
      if (v.length === 0) return txt('[]');
      txt('[\n');
      v.forEach((item, idx) => {
        txt(pad);
        walk(item, indent + 1);
        txt(idx < v.length - 1 ? ',\n' : '\n');
      });
      return txt(`${'  '.repeat(indent)}]`);
    }
    const entries = Object.entries(v);
    if (entries.length === 0) return txt('{}');
    txt('{\n');
    entries.forEach(([k, item], idx) => {
      txt(pad);
      tok('j-key', JSON.stringify(k));
      txt(': ');
      walk(item, indent + 1);
      txt(idx < entries.length - 1 ? ',\n' : '\n');
    });
    txt(`${'  '.repeat(indent)}}`);
  };
  walk(value, 0);
  for (const node of out) pre.appendChild(node);
  return pre;
}

// ---------------------------------------------------------------- formatting

/** A timestamp in the browser's local time, with milliseconds. */
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The time of day of a timestamp, in the browser's local time. */
export function formatClock(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in seconds as "0 s", "4.2 s", "3 min 5 s", "2 h 10 min". */
export function formatSeconds(value) {
  const s = Number(value);
  if (!s) return '0 s';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function formatCount(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n);
}

/** A short one-line preview of a value parsed by parseJson. */
export function preview(value, max = 160) {
  const text = stringifyJson(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function badge(text, kind) {
  return h('span', {class: `badge ${kind || ''}`}, text);
}

/** A message box: kind is 'error', 'info' or 'warn'. */
export function notice(kind, ...children) {
  return h('div', {class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status'}, ...children);
}

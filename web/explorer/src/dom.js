// A small DOM builder. Text always goes in as text nodes, never as HTML:
// everything the page shows comes from documents, which anyone may write.

/**
 * h('p', {class: 'x', onclick: f}, 'text', child, [more]) makes an
 * element. Attributes named on* are listeners; false, null and undefined
 * attributes and children are left out.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === false || c == null) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces el's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** $('#id') */
export const $ = (sel, root = document) => root.querySelector(sel);

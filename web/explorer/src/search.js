// The actor search: an ARIA combobox (an input with a listbox popup,
// "list" autocomplete) after the WAI-ARIA Authoring Practices pattern.
// Typing asks the server for actors whose name or alias starts with the
// text; Down/Up move through the options, Enter picks, Escape closes.
import { h, fill } from './dom.js';

/**
 * Wires input (role=combobox) and list (role=listbox). find(text) returns
 * a promise of [{id, name, type}]; pick(actor) is called with the option
 * chosen; announce(text) tells screen readers how many were found.
 */
export function combobox(input, list, { find, pick, announce }) {
  let options = [];
  let active = -1;
  let timer = 0;
  let asked = 0;

  function open(on) {
    list.hidden = !on;
    input.setAttribute('aria-expanded', on ? 'true' : 'false');
    if (!on) setActive(-1);
  }

  function setActive(i) {
    active = i;
    list.querySelectorAll('[role=option]').forEach((el, k) => {
      el.setAttribute('aria-selected', k === i ? 'true' : 'false');
      if (k === i) el.scrollIntoView({ block: 'nearest' });
    });
    if (i >= 0) input.setAttribute('aria-activedescendant', `search-option-${i}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function choose(i) {
    const actor = options[i];
    if (!actor) return;
    input.value = actor.name;
    open(false);
    pick(actor);
  }

  function render() {
    fill(list, options.map((a, i) => h('li', {
      id: `search-option-${i}`,
      role: 'option',
      'aria-selected': 'false',
      // mousedown, not click: the input keeps the focus.
      onmousedown: (e) => { e.preventDefault(); choose(i); },
    }, h('span', { class: 'option-name' }, a.name), ' ', h('span', { class: 'option-type' }, a.type ? a.type.toLowerCase() : ''))));
    open(options.length > 0);
  }

  async function search() {
    const text = input.value.trim();
    const n = ++asked;
    if (!text) {
      options = [];
      render();
      return;
    }
    let found;
    try {
      found = await find(text);
    } catch (err) {
      if (n === asked) announce(err);
      return;
    }
    if (n !== asked) return; // a later keystroke asked again
    options = found;
    render();
    announce(found.length === 0 ? `No actor starts with “${text}”.` : `${found.length} actor${found.length === 1 ? '' : 's'} found; use the arrow keys to choose.`);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener('keydown', (e) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (list.hidden && options.length) open(true);
        setActive(options.length ? (active + 1) % options.length : -1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (list.hidden && options.length) open(true);
        setActive(options.length ? (active - 1 + options.length) % options.length : -1);
        break;
      case 'Enter':
        if (!list.hidden && options.length) {
          e.preventDefault();
          choose(active >= 0 ? active : 0);
        }
        break;
      case 'Escape':
        if (!list.hidden) {
          e.preventDefault();
          open(false);
        } else {
          input.value = '';
        }
        break;
      case 'Tab':
        open(false);
        break;
    }
  });
  input.addEventListener('blur', () => open(false));
  input.addEventListener('focus', () => { if (options.length && input.value.trim()) open(true); });
}

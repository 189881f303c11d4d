// A tiny DOM builder: `h('button', {type: 'button', onclick}, 'Save')`. No framework: the demo
// is small, and every screen is redrawn from the local store after each change.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, unknown>;

/** Creates an element with attributes (`on*` become listeners; `class`, `for`, `aria-*` as is). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v as EventListener);
    } else if (k === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(v);
    } else if (k === 'checked' && el instanceof HTMLInputElement) {
      el.checked = Boolean(v);
    } else if (k === 'selected' && el instanceof HTMLOptionElement) {
      el.selected = Boolean(v);
    } else if (k === 'style') {
      // Through the CSSOM, not the `style` attribute: the page's Content-Security-Policy allows
      // no inline style (`style-src 'self'`), and the CSSOM is not inline style.
      for (const decl of String(v).split(';')) {
        const i = decl.indexOf(':');
        if (i > 0) el.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
      }
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Replaces the children of `el`. */
export function mount(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

let idCounter = 0;
/** A unique element id (labels point at inputs by id). */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled field: label, control, and the error slot the control is described by. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  error?: string,
  hint?: string,
): HTMLDivElement {
  if (!control.id) control.id = uid('f');
  const errId = `${control.id}-err`;
  const hintId = hint ? `${control.id}-hint` : undefined;
  const described = [hintId, error ? errId : undefined].filter(Boolean).join(' ');
  if (described) control.setAttribute('aria-describedby', described);
  if (error) control.setAttribute('aria-invalid', 'true');
  return h(
    'div',
    { class: error ? 'field invalid' : 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('small', { id: hintId, class: 'hint' }, hint) : null,
    error ? h('p', { id: errId, class: 'error', 'data-field-error': '' }, error) : null,
  );
}

/** `<select>` from `[value, label]` pairs. */
export function select(name: string, options: [string, string][], value: string, attrs: Attrs = {}): HTMLSelectElement {
  return h(
    'select',
    { name, ...attrs },
    options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)),
  );
}

/** Formats a money string for display, keeping its exact digits (no float rounding). */
export function money(amount: string | null | undefined, currency = ''): string {
  if (amount === null || amount === undefined) return '—';
  const neg = amount.startsWith('-');
  const [int = '0', frac = '00'] = (neg ? amount.slice(1) : amount).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '−' : ''}${grouped}.${frac.padEnd(2, '0')}${currency ? ` ${currency}` : ''}`;
}

/** A ratio (0.25) as a percentage for display. */
export function percent(ratio: number | null | undefined, digits = 1): string {
  return ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(digits)} %`;
}

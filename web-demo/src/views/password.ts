// Passwords: "forgot password" (an email with a link), the link's page (a new password), and
// changing the password when signed in. Server field errors appear next to their fields.

import { ApiError, changePassword, confirmPasswordReset, problemText, requestPasswordReset } from '../api';
import { field, h, mount } from '../dom';

function failure(e: unknown, errors: Map<string, string>): string {
  if (e instanceof ApiError) {
    for (const fe of e.errors) errors.set(fe.field, fe.message);
    return e.errors.length ? '' : problemText(e);
  }
  return 'The server cannot be reached.';
}

/** `#/forgot`: asks for the reset email. */
export function forgotView(root: HTMLElement): void {
  const errors = new Map<string, string>();
  let general = '';
  let sent = '';
  const draw = (): void => {
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true, value: sent });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Send the link');
    const form = h(
      'form',
      {
        class: 'card auth',
        novalidate: true,
        'aria-labelledby': 'forgot-title',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          errors.clear();
          general = '';
          const value = email.value.trim();
          if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
            errors.set('email', 'Enter an email address like ana@example.com.');
            return draw();
          }
          submit.disabled = true;
          try {
            await requestPasswordReset(value);
            sent = value;
          } catch (e) {
            general = failure(e, errors);
          }
          draw();
        },
      },
      h('h1', { id: 'forgot-title' }, 'Forgot your password?'),
      sent
        ? h('p', { class: 'banner', role: 'status', id: 'forgot-sent' }, `If an account has the email ${sent}, a message with a link is on its way. The link works once, for 30 minutes.`)
        : h('p', {}, 'Enter the email of your account: we send a link to choose a new password.'),
      general ? h('p', { class: 'error banner', role: 'alert' }, general) : null,
      field('Email', email, errors.get('email')),
      submit,
      h('p', {}, h('a', { href: '#/login' }, 'Back to log in')),
    );
    mount(root, h('section', { class: 'narrow' }, form));
  };
  draw();
}

/** `#/reset-password?token=…`: the emailed link's page. */
export function resetView(root: HTMLElement, token: string): void {
  const errors = new Map<string, string>();
  let general = token ? '' : 'This link has no token: open the link of the email again.';
  let done = false;
  const draw = (): void => {
    const password = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', required: true, minlength: 8 });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Set the password');
    const form = h(
      'form',
      {
        class: 'card auth',
        novalidate: true,
        'aria-labelledby': 'reset-title',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          errors.clear();
          general = '';
          if (password.value.length < 8) {
            errors.set('new_password', 'Use at least 8 characters.');
            return draw();
          }
          submit.disabled = true;
          try {
            await confirmPasswordReset(token, password.value);
            done = true;
          } catch (e) {
            general = failure(e, errors);
            if (errors.has('token')) {
              general = `${errors.get('token')}`;
              errors.delete('token');
            }
          }
          draw();
        },
      },
      h('h1', { id: 'reset-title' }, 'Choose a new password'),
      done ? h('p', { class: 'banner', role: 'status', id: 'reset-done' }, 'Your password is set, and every session was signed out. Log in with the new password.') : null,
      general ? h('p', { class: 'error banner', role: 'alert' }, general) : null,
      done ? null : field('New password', password, errors.get('new_password'), 'At least 8 characters.'),
      done ? null : submit,
      h('p', {}, h('a', { href: '#/login' }, done ? 'Log in' : 'Back to log in')),
    );
    mount(root, h('section', { class: 'narrow' }, form));
  };
  draw();
}

/** `#/account`: change the password. */
export function accountView(root: HTMLElement, email: string | null | undefined): void {
  const errors = new Map<string, string>();
  let general = '';
  let done = false;
  const draw = (): void => {
    const current = h('input', { type: 'password', name: 'current_password', autocomplete: 'current-password', required: true });
    const next = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', required: true, minlength: 8 });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Change the password');
    const form = h(
      'form',
      {
        class: 'card auth',
        novalidate: true,
        'aria-labelledby': 'account-title',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          errors.clear();
          general = '';
          done = false;
          if (!current.value) errors.set('current_password', 'Enter your current password.');
          if (next.value.length < 8) errors.set('new_password', 'Use at least 8 characters.');
          if (errors.size) return draw();
          submit.disabled = true;
          try {
            await changePassword(current.value, next.value);
            done = true;
          } catch (e) {
            general = failure(e, errors);
          }
          draw();
        },
      },
      h('h1', { id: 'account-title' }, 'Your account'),
      h('p', {}, email ? `Signed in as ${email}.` : 'Signed in through a provider (no email).'),
      h('h2', {}, 'Change your password'),
      done ? h('p', { class: 'banner', role: 'status', id: 'password-changed' }, 'Password changed. Your other sessions were signed out.') : null,
      general ? h('p', { class: 'error banner', role: 'alert' }, general) : null,
      field('Current password', current, errors.get('current_password')),
      field('New password', next, errors.get('new_password'), 'At least 8 characters.'),
      submit,
    );
    mount(root, h('section', { class: 'narrow' }, form));
  };
  draw();
}

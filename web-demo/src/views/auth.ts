// Register and log in. Server field errors (problem+json `errors`) appear next to their fields.

import { ApiError, login, oidcProviders, problemText, register } from '../api';
import { field, h, mount, select } from '../dom';

type Mode = 'login' | 'register';

/** Provider names as people know them. */
const PROVIDER_LABEL: Record<string, string> = { google: 'Google', apple: 'Apple', microsoft: 'Microsoft', github: 'GitHub' };

/** Why an OpenID sign-in came back without a session (`?login_error=` of its redirect). */
const LOGIN_ERRORS: Record<string, string> = {
  email_unverified: 'An account already has this email, and the provider does not say the email is verified. Log in with your password, or verify the email with the provider first.',
  account_disabled: 'This account is disabled. Contact support.',
  unauthorized: 'The provider did not sign you in. Try again.',
  malformed_request: 'That sign-in was started in another browser or took too long. Try again.',
  unavailable: 'The sign-in provider cannot be reached right now. Try again later.',
};

export function authView(root: HTMLElement, mode: Mode, loginError?: string): void {
  const errors = new Map<string, string>();
  let general = loginError ? (LOGIN_ERRORS[loginError] ?? 'The sign-in did not finish. Try again.') : '';
  let providers: { name: string; start_url: string }[] = [];
  void oidcProviders().then((p) => {
    providers = p;
    if (p.length) draw();
  });
  const values = { email: '', password: '', display_name: '', currency: 'USD' };

  const draw = (): void => {
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true, value: values.email });
    const password = h('input', {
      type: 'password',
      name: 'password',
      autocomplete: mode === 'login' ? 'current-password' : 'new-password',
      required: true,
      minlength: 8,
      value: values.password,
    });
    const displayName = h('input', { type: 'text', name: 'display_name', autocomplete: 'name', value: values.display_name });
    const currency = select(
      'currency',
      ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'SEK'].map((c) => [c, c]),
      values.currency,
    );
    const submit = h('button', { type: 'submit', class: 'primary' }, mode === 'login' ? 'Log in' : 'Create account');
    const form = h(
      'form',
      {
        class: 'card auth',
        novalidate: true,
        'aria-labelledby': 'auth-title',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          values.email = email.value.trim();
          values.password = password.value;
          values.display_name = displayName.value.trim();
          values.currency = currency.value;
          errors.clear();
          general = '';
          if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) errors.set('email', 'Enter an email address like ana@example.com.');
          if (mode === 'register' && values.password.length < 8) errors.set('password', 'Use at least 8 characters.');
          if (mode === 'login' && !values.password) errors.set('password', 'Enter your password.');
          if (errors.size) return draw();
          submit.disabled = true;
          submit.textContent = mode === 'login' ? 'Logging in…' : 'Creating…';
          try {
            if (mode === 'login') await login(values.email, values.password);
            else await register(values.email, values.password, values.display_name, values.currency);
            location.hash = '#/budgets';
          } catch (e) {
            if (e instanceof ApiError) {
              for (const fe of e.errors) errors.set(fe.field, fe.message);
              if (!e.errors.length) general = e.status === 429 ? `Too many attempts: ${problemText(e)}` : problemText(e);
            } else {
              general = navigator.onLine ? 'The server cannot be reached.' : 'You are offline: logging in needs the server once.';
            }
            draw();
          }
        },
      },
      h('h1', { id: 'auth-title' }, mode === 'login' ? 'Log in' : 'Create your account'),
      general ? h('p', { class: 'error banner', role: 'alert' }, general) : null,
      field('Email', email, errors.get('email')),
      field('Password', password, errors.get('password'), mode === 'register' ? 'At least 8 characters.' : undefined),
      mode === 'register' ? field('Name (optional)', displayName, errors.get('display_name')) : null,
      mode === 'register' ? field('Currency', currency, errors.get('currency')) : null,
      submit,
      providers.length
        ? h(
            'div',
            { class: 'providers', role: 'group', 'aria-label': 'Sign in with a provider' },
            ...providers.map((p) =>
              h('a', { class: 'button provider', href: p.start_url, 'data-provider': p.name }, `Sign in with ${PROVIDER_LABEL[p.name] ?? p.name}`),
            ),
          )
        : null,
      h(
        'p',
        {},
        mode === 'login'
          ? h('a', { href: '#/register' }, 'No account yet? Create one')
          : h('a', { href: '#/login' }, 'Already have an account? Log in'),
      ),
      mode === 'login' ? h('p', {}, h('a', { href: '#/forgot', id: 'forgot-link' }, 'Forgot your password?')) : null,
    );
    mount(root, h('section', { class: 'narrow' }, form));
    const firstInvalid = form.querySelector<HTMLElement>('[aria-invalid="true"]');
    firstInvalid?.focus();
  };
  draw();
}

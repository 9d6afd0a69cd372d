/** The API key the console calls with, kept in this browser only. */
import { useState } from 'preact/hooks';
import { apiKey } from '../api.ts';
import { t } from '../i18n.ts';

export function LoginPage() {
  const [key, setKey] = useState('');
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        apiKey.set(key.trim());
        location.hash = '#/dashboard';
      }}
    >
      <h2>{t('login.title')}</h2>
      <label>
        {t('login.key')}
        <input type="password" name="key" value={key} onInput={(e) => setKey(e.currentTarget.value)} autoComplete="off" required />
      </label>
      <p class="muted">{t('login.hint')}</p>
      <button type="submit">{t('login.submit')}</button>
    </form>
  );
}

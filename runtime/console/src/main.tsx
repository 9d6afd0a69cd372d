/**
 * The console's shell: navigation, language, and a hash router (#/orders/ord_…?q=…). A key in
 * the page's query (?key=hub_…, as a sandbox run prints it) is kept and taken out of the address.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiKey } from './api.ts';
import { lang, t } from './i18n.ts';
import { DashboardPage } from './pages/Dashboard.tsx';
import { DeliveriesPage } from './pages/Deliveries.tsx';
import { LoginPage } from './pages/Login.tsx';
import { OrderPage } from './pages/Order.tsx';
import { OrdersPage } from './pages/Orders.tsx';
import { PlaygroundPage } from './pages/Playground.tsx';
import { StockPage } from './pages/Stock.tsx';
import './style.css';

const fromQuery = new URLSearchParams(location.search).get('key');
if (fromQuery) {
  apiKey.set(fromQuery);
  history.replaceState(null, '', `${location.pathname}${location.hash || '#/dashboard'}`);
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

const NAV = [
  ['#/dashboard', 'nav.dashboard'],
  ['#/orders', 'nav.orders'],
  ['#/stock', 'nav.stock'],
  ['#/deliveries', 'nav.deliveries'],
  ['#/playground', 'nav.playground'],
] as const;

function Page({ path, params }: { path: string; params: URLSearchParams }) {
  const order = /^\/orders\/([\w-]+)$/.exec(path);
  if (order) return <OrderPage id={order[1]!} />;
  switch (path) {
    case '/orders':
      return <OrdersPage params={params} />;
    case '/stock':
      return <StockPage />;
    case '/deliveries':
      return <DeliveriesPage params={params} />;
    case '/playground':
      return <PlaygroundPage />;
    default:
      return <DashboardPage />;
  }
}

function App() {
  const hash = useHash();
  const [path = '/dashboard', search = ''] = hash.replace(/^#/, '').split('?');
  if (!apiKey.get() || path === '/login') return <LoginPage />;
  return (
    <>
      <header>
        <h1>Order hub</h1>
        <nav>
          {NAV.map(([href, label]) => (
            <a href={href} class={`#${path}`.startsWith(href) ? 'active' : ''}>
              {t(label)}
            </a>
          ))}
        </nav>
        <button type="button" class="lang" onClick={() => (lang.value = lang.value === 'zh' ? 'en' : 'zh')} data-testid="lang">
          {lang.value === 'zh' ? 'EN' : '中文'}
        </button>
        <button
          type="button"
          onClick={() => {
            apiKey.clear();
            location.hash = '#/login';
          }}
        >
          {t('nav.logout')}
        </button>
      </header>
      <main>
        <Page key={`${path}?${search}`} path={path} params={new URLSearchParams(search)} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

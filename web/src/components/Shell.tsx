// The frame around every signed-in page: the sidebar of objects (from metadata),
// favourites and recent records, the top bar with search (Ctrl-K) and the user menu.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link, NavLink, useLocation } from "react-router";
import { navigationObjects, useMetadata } from "../app/metadata";
import { useSession, useSignedIn } from "../app/session";
import { useStored, type RecentRecord } from "../lib/storage";
import { useMediaQuery, useOnline } from "../lib/media";
import { useTheme } from "../lib/theme";
import { CommandPalette } from "./CommandPalette";
import { useToast } from "./toast";

function UserMenu({ name, email, isAdmin, onSignOut }: { name: string; email: string; isAdmin: boolean; onSignOut: () => void }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);
  return (
    <div className="user-menu" ref={ref}>
      <button aria-label={`Account: ${name}`} aria-expanded={open} aria-haspopup="true" onClick={() => setOpen(!open)}>
        <span className="avatar" aria-hidden="true">{name.slice(0, 1).toUpperCase()}</span>
      </button>
      {open && (
        <div className="menu user-menu-list" onClick={() => setOpen(false)}>
          <div className="menu-note">{name}<br /><span className="muted">{email}</span></div>
          <Link className="menu-item" to="/settings/profile">Profile and security</Link>
          {isAdmin && <Link className="menu-item" to="/settings/objects">Settings</Link>}
          <button className="menu-item" onClick={onSignOut}>Sign out</button>
        </div>
      )}
    </div>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { objects } = useMetadata();
  const me = useSignedIn();
  const { logout } = useSession();
  const toast = useToast();
  const [theme, setTheme] = useTheme();
  const [menuOpen, setMenuOpen] = useState(false);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [recent] = useStored<RecentRecord[]>(`rapport:${me.user_id}:recent`, []);
  const [favourites] = useStored<RecentRecord[]>(`rapport:${me.user_id}:favourites`, []);
  const location = useLocation();

  const drawer = useMediaQuery("(max-width: 860px)");
  const online = useOnline();
  useEffect(() => setMenuOpen(false), [location.pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setMenuOpen(false);
        document.querySelector<HTMLElement>(".menu-button")?.focus();
      }
    };
    document.querySelector<HTMLElement>(".sidebar a")?.focus();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [menuOpen]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setPaletteOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const hidden = new Set(["users", "teams"]);
  const nav = navigationObjects(objects).filter((o) => !hidden.has(o.name));
  return (
    <div className={menuOpen ? "shell menu-open" : "shell"}>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <button className="icon-button menu-button" aria-label="Menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16" stroke="currentColor" strokeWidth="2" strokeLinecap="round" /></svg>
        </button>
        <Link to="/" className="brand" aria-label="Rapport home">
          <img src="/icon.svg" alt="" width="28" height="28" />
          <span>Rapport</span>
        </Link>
        <button className="search-button" onClick={() => setPaletteOpen(true)} aria-keyshortcuts="Control+K">
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" strokeWidth="2" /><path d="m20 20-3.5-3.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" /></svg>
          <span>Search or jump to…</span>
          <kbd>Ctrl K</kbd>
        </button>
        <div className="topbar-right">
          <button
            className="icon-button"
            aria-label={theme === "dark" ? "Use light theme" : "Use dark theme"}
            onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
          >
            {theme === "dark" ? "☀" : "☾"}
          </button>
          <UserMenu
            name={me.name}
            email={me.email}
            isAdmin={me.is_admin}
            onSignOut={() => void logout().catch((e) => toast(`Could not sign out: ${(e as Error).message} Try again.`, { tone: "error" }))}
          />
        </div>
      </header>
      <nav className="sidebar" aria-label="Objects" inert={drawer && !menuOpen ? true : undefined}>
        <ul>
          <li><NavLink to="/" end className="nav-item">Home</NavLink></li>
          <li><NavLink to="/dashboards" className="nav-item">Dashboards</NavLink></li>
          <li><NavLink to="/kpis" className="nav-item">KPIs</NavLink></li>
          <li><NavLink to="/reports" className="nav-item">Reports</NavLink></li>
          {nav.map((o) => (
            <li key={o.name}>
              <NavLink to={`/o/${o.name}`} className="nav-item">{o.label_plural}</NavLink>
            </li>
          ))}
        </ul>
        {favourites.length > 0 && (
          <>
            <h2 className="nav-heading">Favourites</h2>
            <ul>
              {favourites.map((r) => (
                <li key={`${r.object}/${r.id}`}><NavLink to={`/o/${r.object}/${r.id}`} className="nav-item small">★ {r.title}</NavLink></li>
              ))}
            </ul>
          </>
        )}
        {recent.length > 0 && (
          <>
            <h2 className="nav-heading">Recent</h2>
            <ul>
              {recent.slice(0, 6).map((r) => (
                <li key={`${r.object}/${r.id}`}><NavLink to={`/o/${r.object}/${r.id}`} className="nav-item small">{r.title}</NavLink></li>
              ))}
            </ul>
          </>
        )}
        {me.is_admin && (
          <ul className="nav-bottom">
            <li><NavLink to="/settings" className="nav-item">Settings</NavLink></li>
          </ul>
        )}
      </nav>
      <div className="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />
      <main id="main" className="content" tabIndex={-1}>
        {/* Always mounted, so screen readers announce the change when it is filled. */}
        <p className={online ? "sr-only" : "banner info"} role="status">
          {online ? "" : "You are offline. Records you opened recently are shown as they were; changes cannot be saved until the connection returns."}
        </p>
        {children}
      </main>
      {paletteOpen && <CommandPalette onClose={() => setPaletteOpen(false)} />}
    </div>
  );
}

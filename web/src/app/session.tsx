// Who is signed in. The session lives in an HttpOnly cookie the app never sees; the
// app keeps the CSRF token that goes with it and learns of expiry from any 401.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, api, forgetPrefetched, onUnauthorised, request, takeRead } from "../api/client";
import type { RecordData, Session } from "../api/types";
import { forgetWorkspaceCurrency } from "../api/workspaceCurrency";
import { clearOfflineData } from "../lib/offline";
import { titles } from "../lib/titles";

export interface SignedIn extends Session {
  name: string;
  email: string;
}

interface SessionState {
  session: SignedIn | null;
  loading: boolean;
  expired: boolean;
  login: (email: string, password: string, code?: string, tenant?: string) => Promise<void>;
  logout: () => Promise<void>;
  reload: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

// Everything kept in this tab about the signed-in user: cached lookup titles, answers
// fetched ahead, the workspace's currency, records kept for offline reading.
export function forgetUserData(): void {
  titles.clear();
  forgetPrefetched();
  forgetWorkspaceCurrency();
  void clearOfflineData();
}

async function fetchSession(): Promise<Session | null> {
  try {
    return (await request<Session>("GET", "/auth/session", { expectUnauthorised: true })).data;
  } catch {
    return null;
  }
}

// The user's name and email, for the top bar (a role without read access to users
// still signs in, and stays "You").
async function fetchUser(session: Session): Promise<SignedIn> {
  try {
    const user = await api.get<RecordData>(`/objects/users/${session.user_id}`);
    return { ...session, name: String(user.name ?? "You"), email: String(user.email ?? "") };
  } catch {
    return { ...session, name: "You", email: "" };
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  // On a cold load the session is usually read already (main.tsx), and the app draws
  // the signed-in page in its first render.
  const [known] = useState(() => takeRead<Session>("/auth/session") ?? null);
  const [session, setSession] = useState<SignedIn | null>(known && { ...known, name: "", email: "" });
  const [loading, setLoading] = useState(known === null);
  const [expired, setExpired] = useState(false);
  const lastUser = useRef<string | null>(known?.user_id ?? null);

  // The session decides what renders; the user's name follows without holding it up.
  const nameUser = useCallback(async (found: Session) => {
    const user = await fetchUser(found);
    setSession((current) => (current && current.user_id === user.user_id ? user : current));
  }, []);

  const adopt = useCallback(async (found: Session | null) => {
    // Another user (or none): nothing of the previous one's may show.
    if (!found || (lastUser.current !== null && found.user_id !== lastUser.current)) forgetUserData();
    lastUser.current = found?.user_id ?? null;
    setSession(found ? { ...found, name: "", email: "" } : null);
    setLoading(false);
    if (found) await nameUser(found);
  }, [nameUser]);

  const reload = useCallback(async () => adopt(await fetchSession()), [adopt]);

  useEffect(() => {
    if (known) void nameUser(known);
    else void reload();
  }, [known, nameUser, reload]);

  useEffect(
    () =>
      onUnauthorised(() => {
        forgetUserData();
        lastUser.current = null;
        setSession((current) => {
          if (current) setExpired(true);
          return null;
        });
      }),
    [],
  );

  const login = useCallback(async (email: string, password: string, code?: string, tenant?: string) => {
    forgetUserData();
    await request<Session>("POST", "/auth/login", {
      body: { email, password, ...(code ? { code } : {}), ...(tenant ? { tenant } : {}) },
      expectUnauthorised: true,
    });
    setExpired(false);
    await adopt(await fetchSession());
  }, [adopt]);

  // Signed out only once the server says so (204, or 401: already ended); otherwise the
  // cookie may still be valid, and the next person at this browser would be signed in.
  const logout = useCallback(async () => {
    try {
      await api.post("/auth/logout");
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    forgetUserData();
    lastUser.current = null;
    setSession(null);
  }, []);

  return (
    <SessionContext.Provider value={{ session, loading, expired, login, logout, reload }}>{children}</SessionContext.Provider>
  );
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}

export function useSignedIn(): SignedIn {
  const { session } = useSession();
  if (!session) throw new Error("useSignedIn while signed out");
  return session;
}

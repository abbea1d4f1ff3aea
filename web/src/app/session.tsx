// Who is signed in. The session lives in an HttpOnly cookie the app never sees; the
// app keeps the CSRF token that goes with it and learns of expiry from any 401.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, onUnauthorised, request } from "../api/client";
import type { RecordData, Session } from "../api/types";
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
  login: (email: string, password: string, code?: string) => Promise<void>;
  logout: () => Promise<void>;
  reload: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

async function fetchSession(): Promise<SignedIn | null> {
  try {
    const { data } = await request<Session>("GET", "/auth/session", { expectUnauthorised: true });
    let user: RecordData | null = null;
    try {
      user = await api.get<RecordData>(`/objects/users/${data.user_id}`);
    } catch {
      // A role without read access to users still signs in.
    }
    return { ...data, name: String(user?.name ?? "You"), email: String(user?.email ?? "") };
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SignedIn | null>(null);
  const [loading, setLoading] = useState(true);
  const [expired, setExpired] = useState(false);

  const reload = useCallback(async () => {
    setSession(await fetchSession());
    setLoading(false);
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(
    () =>
      onUnauthorised(() => {
        setSession((current) => {
          if (current) setExpired(true);
          return null;
        });
      }),
    [],
  );

  const login = useCallback(async (email: string, password: string, code?: string) => {
    await request<Session>("POST", "/auth/login", {
      body: code ? { email, password, code } : { email, password },
      expectUnauthorised: true,
    });
    setExpired(false);
    setSession(await fetchSession());
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.post("/auth/logout");
    } finally {
      titles.clear();
      await clearOfflineData();
      setSession(null);
    }
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

// Routes. Every view has a URL: /o/:object holds the list's view, filter, sort and
// columns in its query string, so any list can be bookmarked or shared.
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { MetadataProvider } from "./app/metadata";
import { SessionProvider, useSession } from "./app/session";
import { Shell } from "./components/Shell";
import { ToastProvider } from "./components/toast";
import { Pending } from "./components/ui";
import { AcceptPage } from "./pages/AcceptPage";
import { HomePage } from "./pages/HomePage";
import { ListPage } from "./pages/ListPage";
import { AfterSignIn, LoginPage } from "./pages/LoginPage";
import { NewRecordPage } from "./pages/NewRecordPage";
import { RecordPage } from "./pages/RecordPage";
import { NotFound } from "./pages/NotFound";
import { MfaEnrolPage } from "./pages/settings/ProfilePage";

// Loaded on first use: most sessions never open them.
const BoardPage = lazy(() => import("./pages/BoardPage"));
const SettingsRoutes = lazy(() => import("./pages/settings/SettingsRoutes"));

function SignedInApp() {
  const { session } = useSession();
  if (session?.must_enrol_mfa) return <MfaEnrolPage required />;
  return (
    <MetadataProvider>
      <Shell>
        <Suspense fallback={<Pending />}>
          <Routes>
            <Route path="/" element={<HomePage />} />
            <Route path="/o/:object" element={<ListPage />} />
            <Route path="/o/:object/board" element={<BoardPage />} />
            <Route path="/o/:object/new" element={<NewRecordPage />} />
            <Route path="/o/:object/:id" element={<RecordPage />} />
            <Route path="/settings/*" element={<SettingsRoutes />} />
            <Route path="/login" element={<AfterSignIn />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Shell>
    </MetadataProvider>
  );
}

function Gate() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (location.pathname === "/accept") return <AcceptPage />;
  if (loading) return <div className="center-page"><Pending /></div>;
  if (!session) {
    if (location.pathname !== "/login") {
      const next = location.pathname + location.search;
      return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
    }
    return <LoginPage />;
  }
  return <SignedInApp />;
}

export function App() {
  return (
    <BrowserRouter>
      <ToastProvider>
        <SessionProvider>
          <Gate />
        </SessionProvider>
      </ToastProvider>
    </BrowserRouter>
  );
}

// Routes. Every view has a URL: /o/:object holds the list's view, filter, sort and
// columns in its query string, so any list can be bookmarked or shared.
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { MetadataProvider } from "./app/metadata";
import { SessionProvider, useSession } from "./app/session";
import { PageErrorBoundary } from "./components/ErrorBoundary";
import { Shell } from "./components/Shell";
import { ToastProvider } from "./components/toast";
import { Pending } from "./components/ui";
import { ListPage } from "./pages/ListPage";
import { NotFound } from "./pages/NotFound";

// The list page is in the first bundle (it is where most days start, and its load time
// is budgeted); every other page is fetched on first use, so the first page compiles
// less code.
const HomePage = lazy(() => import("./pages/HomePage").then((m) => ({ default: m.HomePage })));
const RecordPage = lazy(() => import("./pages/RecordPage").then((m) => ({ default: m.RecordPage })));
const NewRecordPage = lazy(() => import("./pages/NewRecordPage").then((m) => ({ default: m.NewRecordPage })));
const LoginPage = lazy(() => import("./pages/LoginPage").then((m) => ({ default: m.LoginPage })));
const AfterSignIn = lazy(() => import("./pages/LoginPage").then((m) => ({ default: m.AfterSignIn })));
const AcceptPage = lazy(() => import("./pages/AcceptPage").then((m) => ({ default: m.AcceptPage })));
const MfaEnrolPage = lazy(() => import("./pages/settings/ProfilePage").then((m) => ({ default: m.MfaEnrolPage })));
const BoardPage = lazy(() => import("./pages/BoardPage"));
const SettingsRoutes = lazy(() => import("./pages/settings/SettingsRoutes"));
const DashboardPage = lazy(() => import("./pages/DashboardPage"));
const KpiPage = lazy(() => import("./pages/KpiPage"));
const ReportsPage = lazy(() => import("./pages/ReportsPage"));
const ReportBuilderPage = lazy(() => import("./pages/ReportBuilderPage"));
const DashboardEditorPage = lazy(() => import("./pages/DashboardEditorPage"));

// Pages outside the shell (sign-in, invitations) wait for their code here.
const Standalone = ({ children }: { children: React.ReactNode }) => (
  <PageErrorBoundary>
    <Suspense fallback={<div className="center-page"><Pending /></div>}>{children}</Suspense>
  </PageErrorBoundary>
);

function SignedInApp() {
  const { session } = useSession();
  const location = useLocation();
  if (session?.must_enrol_mfa) return <Standalone><MfaEnrolPage required /></Standalone>;
  return (
    <MetadataProvider>
      <Shell>
        <PageErrorBoundary key={location.pathname}>
        <Suspense fallback={<Pending />}>
          <Routes>
            <Route path="/" element={<HomePage />} />
            <Route path="/o/:object" element={<ListPage />} />
            <Route path="/o/:object/board" element={<BoardPage />} />
            <Route path="/o/:object/new" element={<NewRecordPage />} />
            <Route path="/o/:object/:id" element={<RecordPage />} />
            <Route path="/dashboards" element={<DashboardPage />} />
            <Route path="/dashboards/new" element={<DashboardEditorPage />} />
            <Route path="/dashboards/:id" element={<DashboardPage />} />
            <Route path="/dashboards/:id/edit" element={<DashboardEditorPage />} />
            <Route path="/kpis" element={<KpiPage />} />
            <Route path="/reports" element={<ReportsPage />} />
            <Route path="/reports/new" element={<ReportBuilderPage />} />
            <Route path="/reports/:id/edit" element={<ReportBuilderPage />} />
            <Route path="/settings/*" element={<SettingsRoutes />} />
            <Route path="/login" element={<AfterSignIn />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
        </PageErrorBoundary>
      </Shell>
    </MetadataProvider>
  );
}

function Gate() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (location.pathname === "/accept") return <Standalone><AcceptPage /></Standalone>;
  if (loading) return <div className="center-page"><Pending /></div>;
  if (!session) {
    if (location.pathname !== "/login") {
      const next = location.pathname + location.search;
      return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
    }
    return <Standalone><LoginPage /></Standalone>;
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

// Settings: the user's own profile and security for everyone; objects and fields,
// users, roles, sharing, sign-in security, API tokens, historical snapshots and the
// workspace (calendar, currency, exchange rates) for administrators.
import { NavLink, Navigate, Route, Routes } from "react-router";
import { useSignedIn } from "../../app/session";
import { Breadcrumbs } from "../../components/ui";
import { ObjectFieldsPage, ObjectsPage } from "./ObjectsPage";
import { ProfilePage } from "./ProfilePage";
import { RolesPage } from "./RolesPage";
import { SharingPage } from "./SharingPage";
import { SignInPage } from "./SignInPage";
import { SnapshotsPage } from "./SnapshotsPage";
import { TokensPage } from "./TokensPage";
import { UsersPage } from "./UsersPage";
import { WorkspacePage } from "./WorkspacePage";

export default function SettingsRoutes() {
  const me = useSignedIn();
  return (
    <div className="page settings-page">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "Settings" }]} />
      <div className="settings-layout">
        <nav className="settings-nav" aria-label="Settings">
          <NavLink to="/settings/profile" className="nav-item">Profile and security</NavLink>
          <NavLink to="/settings/tokens" className="nav-item">API tokens</NavLink>
          {me.is_admin && (
            <>
              <NavLink to="/settings/objects" className="nav-item">Objects and fields</NavLink>
              <NavLink to="/settings/users" className="nav-item">Users</NavLink>
              <NavLink to="/settings/roles" className="nav-item">Roles and permissions</NavLink>
              <NavLink to="/settings/sharing" className="nav-item">Sharing</NavLink>
              <NavLink to="/settings/sign-in" className="nav-item">Sign-in security</NavLink>
              <NavLink to="/settings/snapshots" className="nav-item">Snapshots</NavLink>
              <NavLink to="/settings/workspace" className="nav-item">Workspace</NavLink>
            </>
          )}
        </nav>
        <div className="settings-content">
          <Routes>
            <Route index element={<Navigate to={me.is_admin ? "objects" : "profile"} replace />} />
            <Route path="profile" element={<ProfilePage />} />
            <Route path="tokens" element={<TokensPage />} />
            <Route path="objects" element={<ObjectsPage />} />
            <Route path="objects/:object" element={<ObjectFieldsPage />} />
            <Route path="users" element={<UsersPage />} />
            <Route path="roles" element={<RolesPage />} />
            <Route path="sharing" element={<SharingPage />} />
            <Route path="sign-in" element={<SignInPage />} />
            <Route path="snapshots" element={<SnapshotsPage />} />
            {/* Everyone may read these settings (reports convert with them), so the page itself is kept to administrators. */}
            <Route path="workspace" element={me.is_admin ? <WorkspacePage /> : <Navigate to="/settings/profile" replace />} />
          </Routes>
        </div>
      </div>
    </div>
  );
}

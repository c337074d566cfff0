import { Navigate, Route, Routes } from 'react-router-dom';
import { AdminShell } from './admin/AdminShell';
import { LoginPage } from './admin/LoginPage';
import { NotFoundPage } from './admin/NotFoundPage';
import { RequireAuth } from './admin/RequireAuth';
import { AccountPage } from './features/accounts/AccountPage';
import { AccountsPage } from './features/accounts/AccountsPage';
import { AttemptsTab } from './features/accounts/AttemptsTab';
import { LedgerTab } from './features/accounts/LedgerTab';
import { UpcomingPaymentsTab } from './features/accounts/UpcomingPaymentsTab';
import { WalletTab } from './features/accounts/WalletTab';
import { ActionCenterPage } from './features/action-center/ActionCenterPage';
import { AuditLogPage } from './features/settings/AuditLogPage';
import { EmailLogPage } from './features/settings/EmailLogPage';
import { EmailPreferencesPage } from './features/settings/EmailPreferencesPage';
import { OrganizationPage } from './features/settings/OrganizationPage';
import { RetryPolicyPage } from './features/settings/RetryPolicyPage';
import { SettingsLayout } from './features/settings/SettingsLayout';
import { UsersPage } from './features/settings/UsersPage';
import { PortalPage } from './portal/PortalPage';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/portal/*" element={<PortalPage />} />
      <Route
        element={
          <RequireAuth>
            <AdminShell />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/action-center/failed-transactions" replace />} />
        <Route path="action-center">
          <Route index element={<Navigate to="failed-transactions" replace />} />
          <Route path=":section" element={<ActionCenterPage />} />
        </Route>
        <Route path="accounts" element={<AccountsPage />} />
        <Route path="accounts/:id" element={<AccountPage />}>
          <Route index element={<Navigate to="ledger" replace />} />
          <Route path="ledger" element={<LedgerTab />} />
          <Route path="wallet" element={<WalletTab />} />
          <Route path="upcoming-payments" element={<UpcomingPaymentsTab />} />
          <Route path="payment-attempts" element={<AttemptsTab />} />
        </Route>
        <Route path="settings" element={<SettingsLayout />}>
          <Route index element={<Navigate to="organization" replace />} />
          <Route path="organization" element={<OrganizationPage />} />
          <Route path="retry-policy" element={<RetryPolicyPage />} />
          <Route path="users" element={<UsersPage />} />
          <Route path="email-preferences" element={<EmailPreferencesPage />} />
          <Route path="emails" element={<EmailLogPage />} />
          <Route path="audit-log" element={<AuditLogPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
